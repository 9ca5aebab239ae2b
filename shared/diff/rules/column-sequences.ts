import type { ColumnObject } from "../../snapshot/model.ts";
import { type AttributeDiff, setMinus } from "../compare.ts";
import { lastPart } from "../identity.ts";
import { privilegeStatements, statementsOr } from "../sql.ts";

/**
 * A column's sequences as the diff sees them: an identity column's options (in `identity`) and
 * the sequences a serial or `OWNED BY` column owns (`sequence`, `sequence_privileges`).
 */

/** The options in CREATE SEQUENCE order, by what they set. */
const OPTION_ORDER = [
  "AS",
  "START WITH",
  "INCREMENT BY",
  "MINVALUE",
  "MAXVALUE",
  "CACHE",
  "CYCLE",
] as const;

type OptionKey = (typeof OPTION_ORDER)[number];

/** The smallest and largest values of each sequence type. */
const TYPE_BOUNDS: Readonly<Record<string, readonly [string, string]>> = {
  smallint: ["-32768", "32767"],
  integer: ["-2147483648", "2147483647"],
  bigint: ["-9223372036854775808", "9223372036854775807"],
};

/** Sequence options by what they set: `AS integer START WITH 1000` → AS `integer`, START WITH `1000`. */
function optionMap(options: string): Map<OptionKey, string> {
  const found = new Map<OptionKey, string>();
  for (const match of options.matchAll(
    /\b(AS) ([a-z]+)|\b(START WITH|INCREMENT BY|MINVALUE|MAXVALUE|CACHE) (-?\d+)|\b(CYCLE)\b/g,
  )) {
    if (match[1]) found.set("AS", match[2] as string);
    else if (match[5]) found.set("CYCLE", "");
    else found.set(match[3] as OptionKey, match[4] as string);
  }
  return found;
}

/** One option of a sequence: as it reads in full, and the clause that sets it (NO MAXVALUE for a default bound). */
interface Setting {
  readonly spelled: string;
  readonly clause: string;
}

/**
 * Every option of a sequence whose non-default options are `options` and whose type, when they
 * do not say (no AS), is `type`: the defaults filled in as CREATE SEQUENCE computes them, so two
 * sequences compare alike whatever direction or type each has (a default bound is not the same
 * number on an ascending and a descending sequence, nor on integer and bigint).
 */
function settings(options: string, type: string): Map<OptionKey, Setting> {
  const given = optionMap(options);
  const as = given.get("AS") ?? type;
  const [typeMin, typeMax] = TYPE_BOUNDS[as] ?? (TYPE_BOUNDS.bigint as readonly [string, string]);
  const increment = given.get("INCREMENT BY") ?? "1";
  const ascending = !increment.startsWith("-");
  const min = given.get("MINVALUE") ?? (ascending ? "1" : typeMin);
  const max = given.get("MAXVALUE") ?? (ascending ? typeMax : "-1");
  const start = given.get("START WITH") ?? (ascending ? min : max);
  const same = (spelled: string): Setting => ({ spelled, clause: spelled });
  return new Map<OptionKey, Setting>([
    ["AS", same(`AS ${as}`)],
    ["START WITH", same(`START WITH ${start}`)],
    ["INCREMENT BY", same(`INCREMENT BY ${increment}`)],
    [
      "MINVALUE",
      {
        spelled: `MINVALUE ${min}`,
        clause: given.has("MINVALUE") ? `MINVALUE ${min}` : "NO MINVALUE",
      },
    ],
    [
      "MAXVALUE",
      {
        spelled: `MAXVALUE ${max}`,
        clause: given.has("MAXVALUE") ? `MAXVALUE ${max}` : "NO MAXVALUE",
      },
    ],
    ["CACHE", same(`CACHE ${given.get("CACHE") ?? "1"}`)],
    ["CYCLE", same(given.has("CYCLE") ? "CYCLE" : "NO CYCLE")],
  ]);
}

interface DifferingOption {
  readonly key: OptionKey;
  /** The migrations' setting, in full: `MAXVALUE 9223372036854775807`. */
  readonly expected: string;
  readonly actual: string;
  /** The clause that sets the migrations' value: `NO MAXVALUE`. */
  readonly clause: string;
}

/** The options that differ, in CREATE order. */
function differingOptions(
  want: ReadonlyMap<OptionKey, Setting>,
  have: ReadonlyMap<OptionKey, Setting>,
): DifferingOption[] {
  return OPTION_ORDER.flatMap((key) => {
    const wanted = want.get(key) as Setting;
    const had = have.get(key) as Setting;
    return wanted.spelled === had.spelled
      ? []
      : [{ key, expected: wanted.spelled, actual: had.spelled, clause: wanted.clause }];
  });
}

/**
 * The options to set for an identity column's sequence (of type `type`) to be the migrations',
 * in CREATE order: `START WITH 1000`, `NO CYCLE`. Options the migrations leave at their
 * defaults are set back to them explicitly; never RESTART (the sequence's value is data).
 */
export function optionChanges(
  expected: string,
  actual: string,
  type: string,
): { clauses: string[]; note: string } {
  const want = settings(expected, type);
  const have = settings(actual, type);
  return {
    clauses: differingOptions(want, have).map((d) => d.clause),
    note: boundsNote(want, have),
  };
}

/** A setting's number: `MAXVALUE 100` → 100n. */
function numberOf(settings: ReadonlyMap<OptionKey, Setting>, key: OptionKey): bigint {
  return BigInt(settings.get(key)?.spelled.split(" ").pop() ?? "0");
}

/**
 * ` (fails while …)` when the migrations' bounds are narrower than the environment's: ALTER
 * SEQUENCE refuses bounds that leave out the sequence's current value, which only RESTART
 * moves, and that value is data the audit does not read.
 */
function boundsNote(
  want: ReadonlyMap<OptionKey, Setting>,
  have: ReadonlyMap<OptionKey, Setting>,
): string {
  const narrower =
    numberOf(want, "MINVALUE") > numberOf(have, "MINVALUE") ||
    numberOf(want, "MAXVALUE") < numberOf(have, "MAXVALUE");
  return narrower
    ? " (fails if the sequence's current value is outside the new bounds: add RESTART WITH a value inside them)"
    : "";
}

/** One sequence a column owns, as `sequence` lists it: `public.orders_id_seq (AS integer)`. */
interface ListedSequence {
  readonly identity: string;
  readonly options: string;
}

const PART = String.raw`(?:"(?:[^"]|"")*"|[^\s".,()]+)`;
const LISTED = new RegExp(String.raw`(${PART}\.${PART})(?: \(([^()]*)\))?(?:, |$)`, "y");

/** `public.a (CACHE 5), public.b` → its sequences; the whole text as one when it does not parse. */
export function listedSequences(value: unknown): ListedSequence[] {
  if (typeof value !== "string" || value === "") return [];
  const found: ListedSequence[] = [];
  LISTED.lastIndex = 0;
  while (LISTED.lastIndex < value.length) {
    const match = LISTED.exec(value);
    if (match === null) return [{ identity: value, options: "" }];
    found.push({ identity: match[1] as string, options: match[2] ?? "" });
  }
  return found;
}

/** `public.orders_id_seq (AS integer)`, `public.a, public.b`, or `none`. */
function spell(sequences: readonly ListedSequence[]): string {
  return sequences.length === 0 ? "none" : sequences.map((s) => s.identity).join(", ");
}

/** The one sequence of a side, when it owns exactly one. */
function only(sequences: readonly ListedSequence[]): ListedSequence | undefined {
  return sequences.length === 1 ? sequences[0] : undefined;
}

/**
 * The column's `sequence` with every sequence's type spelled (`public.s (AS integer)`). The
 * snapshot leaves AS out where a sequence has its column's type, so where the two columns'
 * types differ, the texts are compared in this form: a sequence that kept its type reads alike,
 * and one that took its column's new type (as an identity's does, and a serial's never does)
 * reads differently.
 */
export function withSequenceTypes(column: ColumnObject): string | null {
  const listed = listedSequences(column.sequence);
  if (listed.length === 0) return column.sequence ?? null;
  return listed
    .map(({ identity, options }) => {
      const all = options.startsWith("AS ") ? options : `AS ${column.type} ${options}`.trim();
      return `${identity} (${all})`;
    })
    .join(", ");
}

/** One owned sequence on each side, the same one: its options that differ (AS from the columns' types). */
function sameSequenceOptions(
  diff: AttributeDiff,
  base: ColumnObject,
  env: ColumnObject,
): { identity: string; differing: DifferingOption[]; note: string; bounds: string } | undefined {
  const want = only(listedSequences(diff.expected));
  const have = only(listedSequences(diff.actual));
  if (want === undefined || have === undefined || want.identity !== have.identity) return undefined;
  const wanted = settings(want.options, base.type);
  const had = settings(have.options, env.type);
  return {
    identity: want.identity,
    differing: differingOptions(wanted, had),
    note: limitNote(wanted, had),
    bounds: boundsNote(wanted, had),
  };
}

/** `: nextval fails once it passes 2147483647` when the environment's sequence stops short of the migrations'. */
function limitNote(
  want: ReadonlyMap<OptionKey, Setting>,
  have: ReadonlyMap<OptionKey, Setting>,
): string {
  const ascending = numberOf(have, "INCREMENT BY") > 0n && numberOf(want, "INCREMENT BY") > 0n;
  if (!ascending || have.get("CYCLE")?.spelled === "CYCLE") return "";
  const limit = numberOf(have, "MAXVALUE");
  return limit < numberOf(want, "MAXVALUE") ? `: nextval fails once it passes ${limit}` : "";
}

/**
 * For a missing column that owns sequences: `CREATE SEQUENCE IF NOT EXISTS … ;` for each (its
 * sequence went with it when it was dropped, and its default calls nextval on it), then ""
 * for a column that owns none. Each ends with a space.
 */
export function createOwnedSequences(column: ColumnObject): string {
  return listedSequences(column.identity === null ? column.sequence : null)
    .map(({ identity, options }) => {
      const all = options.startsWith("AS ") ? options : `AS ${column.type} ${options}`.trim();
      return `CREATE SEQUENCE IF NOT EXISTS ${identity} ${all}; `;
    })
    .join("");
}

/** ` ALTER SEQUENCE … OWNED BY table.column;` for each sequence a missing column owns, else "". */
export function ownOwnedSequences(name: string, column: ColumnObject): string {
  return listedSequences(column.identity === null ? column.sequence : null)
    .map(({ identity }) => ` ALTER SEQUENCE ${identity} OWNED BY ${column.table}.${name};`)
    .join("");
}

/** The message of a `sequence` finding. */
export function sequenceMessage(
  identity: string,
  diff: AttributeDiff,
  base: ColumnObject,
  env: ColumnObject,
): string {
  const same = sameSequenceOptions(diff, base, env);
  if (same !== undefined) {
    const actual = same.differing.map((d) => d.actual).join(" ");
    const expected = same.differing.map((d) => d.expected).join(" ");
    return `column ${identity}: its sequence ${same.identity} is ${actual}, expected ${expected}${same.note}`;
  }
  const want = listedSequences(diff.expected);
  const have = listedSequences(diff.actual);
  if (want.length === 0) {
    return `column ${identity} owns sequence ${spell(have)}, which no migration makes it own`;
  }
  if (have.length === 0) {
    return `column ${identity} owns no sequence, expected ${spell(want)} (a serial or OWNED BY sequence)`;
  }
  return `column ${identity}: its sequence is ${spell(have)}, expected ${spell(want)}`;
}

/** The remediation of a `sequence` finding. */
export function sequenceRemediation(
  table: string,
  name: string,
  diff: AttributeDiff,
  base: ColumnObject,
  env: ColumnObject,
): string {
  const same = sameSequenceOptions(diff, base, env);
  if (same !== undefined) {
    const options = same.differing.map((d) => d.clause).join(" ");
    return `ALTER SEQUENCE ${same.identity} ${options};${same.bounds}`;
  }
  const want = listedSequences(diff.expected);
  const have = listedSequences(diff.actual);
  if (want.length === 0) {
    const release = have.map((s) => `ALTER SEQUENCE ${s.identity} OWNED BY NONE;`).join(" ");
    return `If nothing needs the column to own it: ${release} (the sequence is then standalone and is not dropped with the column; drop it once no default uses it)`;
  }
  if (have.length === 0) {
    const own = want.map((s) => `ALTER SEQUENCE ${s.identity} OWNED BY ${table}.${name};`);
    return `Make the column own it as the migrations do: ${own.join(" ")} (create the sequence first if it does not exist)`;
  }
  const wanted = only(want);
  const had = only(have);
  if (wanted !== undefined && had !== undefined && wanted.options === had.options) {
    return `ALTER SEQUENCE ${had.identity} RENAME TO ${lastPart(wanted.identity)};`;
  }
  return `Make the column own the sequences the migrations give it (${spell(want)}): ALTER SEQUENCE … OWNED BY ${table}.${name}, and release the others with OWNED BY NONE.`;
}

/** The message of a `sequence_privileges` finding. */
export function sequencePrivilegesMessage(
  identity: string,
  diff: AttributeDiff,
  env: ColumnObject,
): string {
  const expected = Array.isArray(diff.expected) ? diff.expected.map(String) : [];
  const actual = Array.isArray(diff.actual) ? diff.actual.map(String) : [];
  const missing = setMinus(expected, actual);
  const extra = setMinus(actual, expected);
  const parts = [
    ...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []),
    ...(extra.length > 0 ? [`not granted by any migration ${extra.join(", ")}`] : []),
  ];
  // nextval() needs USAGE or UPDATE: a role the migrations give one and that now has neither
  // cannot insert rows that take the column's default.
  const held = new Set(actual.map((p) => p.replace(/\*$/, "")));
  const blocked = [
    ...new Set(
      missing
        .map((p) => /^(.*):(USAGE|UPDATE)\*?$/.exec(p)?.[1])
        .filter((grantee): grantee is string => grantee !== undefined)
        .filter((grantee) => !held.has(`${grantee}:USAGE`) && !held.has(`${grantee}:UPDATE`)),
    ),
  ];
  const note =
    blocked.length > 0
      ? ` (inserts by ${blocked.join(", ")} that take the column's default fail: permission denied for sequence)`
      : "";
  const sequence = spell(listedSequences(env.sequence));
  return `column ${identity}: privileges on its sequence ${sequence} differ: ${parts.join("; ")}${note}`;
}

/** The remediation of a `sequence_privileges` finding: GRANT / REVOKE on the environment's sequence. */
export function sequencePrivilegesRemediation(
  diff: AttributeDiff,
  env: ColumnObject,
  owner: string | undefined,
): string {
  const fallback = "Grant and revoke privileges on the column's sequence as the migrations do.";
  const sequence = only(listedSequences(env.sequence));
  if (sequence === undefined) return fallback;
  return statementsOr(
    privilegeStatements(`SEQUENCE ${sequence.identity}`, diff.expected, diff.actual, {
      ...(owner ? { owner } : {}),
    }),
    fallback,
  );
}
