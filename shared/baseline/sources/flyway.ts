import { readFile } from "node:fs/promises";
import { MigrationSourceError } from "../errors.ts";
import {
  checkUniqueVersions,
  listTree,
  logIgnored,
  noMigrations,
  readMigrationFile,
  type TreeFile,
} from "./files.ts";
import {
  compareFlywayVersions,
  compareJavaStrings,
  type FlywayVersion,
  flywayChecksum,
  flywayTimestamp,
  parseFlywayVersion,
  replacePlaceholders,
} from "./flyway-text.ts";
import type { Migration, MigrationScript, MigrationSource, ReadOptions } from "./source.ts";

/**
 * Flyway (SQL migrations, default naming): every `.sql` file under the folder, sub-folders
 * included, as Flyway scans a `filesystem:` location.
 *
 * - `V<version>__<description>.sql`: versioned, in version order (`1.9` < `1.10`, `1_1` = 1.1);
 * - `R__<description>.sql`: repeatable, after every versioned one, in description order;
 * - `U…` (undo) and `B…` (baseline) migrations are not applied by `flyway migrate` on a fresh
 *   database here, and are ignored;
 * - SQL callbacks (`beforeMigrate.sql`, `afterEachMigrate__grants.sql`, …) run where
 *   `flyway migrate` runs them; callbacks of other commands are ignored;
 * - `<script>.sql.conf` with `executeInTransaction=false` runs that script outside a transaction.
 *
 * Placeholders are replaced as Flyway replaces them. The checksum Flyway stores is computed on
 * the file as written for versioned migrations, and after placeholder replacement for
 * repeatable ones (Flyway re-runs a repeatable migration when a placeholder's value changes).
 */

/** Callback events `flyway migrate` fires on success, in firing order. */
const PLACED_EVENTS = [
  "beforeMigrate",
  "beforeEachMigrate",
  "afterEachMigrate",
  "afterVersioned",
  "beforeRepeatables",
  "afterMigrate",
  "afterMigrateApplied",
  "afterMigrateOperationFinish",
] as const;
type PlacedEvent = (typeof PLACED_EVENTS)[number];

/** Statement-level callbacks: Flyway runs them around every statement of a migration. */
const STATEMENT_EVENTS = new Set(["beforeEachMigrateStatement", "afterEachMigrateStatement"]);

/** Every other callback Flyway knows: other commands, or failures. */
const OTHER_EVENTS = new Set(
  [
    "afterEachMigrateStatementError afterEachMigrateError afterMigrateError",
    "beforeUndo beforeEachUndo beforeEachUndoStatement afterEachUndoStatement",
    "afterEachUndoStatementError afterEachUndo afterEachUndoError afterUndo afterUndoError",
    "beforeClean afterClean afterCleanError beforeInfo afterInfo afterInfoError",
    "beforeValidate afterValidate afterValidateError beforeBaseline afterBaseline",
    "afterBaselineError beforeRepair afterRepair afterRepairError createSchema",
    "beforeCreateSchema beforeConnect afterConnect afterUndoOperationFinish",
    "afterCleanOperationFinish afterInfoOperationFinish afterValidateOperationFinish",
    "afterBaselineOperationFinish afterRepairOperationFinish",
  ].flatMap((line) => line.split(" ")),
);

const NAMING =
  "V<version>__<description>.sql or R__<description>.sql (version: digits separated by . or _)";

type Entry =
  | { readonly type: "versioned"; readonly version: FlywayVersion; readonly description: string }
  | { readonly type: "repeatable"; readonly description: string }
  | { readonly type: "callback"; readonly event: string; readonly description: string | null }
  | { readonly type: "ignored"; readonly why: string | null }
  | { readonly type: "invalid"; readonly problem: string };

/** What a file name means to Flyway. */
export function classifyFlywayName(name: string): Entry {
  if (!name.endsWith(".sql")) return { type: "ignored", why: null };
  const base = name.slice(0, -".sql".length);
  const separator = base.indexOf("__");
  const id = separator === -1 ? base : base.slice(0, separator);
  if ((PLACED_EVENTS as readonly string[]).includes(id) || STATEMENT_EVENTS.has(id)) {
    return {
      type: "callback",
      event: id,
      description: separator === -1 ? null : base.slice(separator + 2),
    };
  }
  if (OTHER_EVENTS.has(id)) return { type: "ignored", why: `${id} callback` };
  if (!/^[VRUB][\d._]/.test(base)) return { type: "ignored", why: null };
  const prefix = base[0] as "V" | "R" | "U" | "B";
  const split = base.indexOf("__", 1);
  if (split === -1) {
    return { type: "invalid", problem: `no "__" between the version and the description` };
  }
  const rawVersion = base.slice(1, split);
  const description = base.slice(split + 2).replaceAll("_", " ");
  if (prefix === "R") {
    return rawVersion === ""
      ? { type: "repeatable", description }
      : {
          type: "invalid",
          problem: `a repeatable migration has no version (R__<description>.sql)`,
        };
  }
  const version = parseFlywayVersion(rawVersion);
  if (version === null) {
    return {
      type: "invalid",
      problem: `"${rawVersion}" is not a version (digits separated by . or _)`,
    };
  }
  if (prefix === "U") return { type: "ignored", why: "undo migration" };
  if (prefix === "B") return { type: "ignored", why: "baseline migration" };
  return { type: "versioned", version, description };
}

/** `executeInTransaction=false` in `<script>.conf` (Java properties). */
async function executesInTransaction(conf: TreeFile | undefined): Promise<boolean> {
  if (!conf) return true;
  let text: string;
  try {
    text = await readFile(conf.path, "utf8");
  } catch (cause) {
    throw new MigrationSourceError(conf.path, `cannot read ${conf.path}`, { cause });
  }
  for (const line of text.split(/\r\n|\r|\n/)) {
    const match = /^\s*executeInTransaction\s*[=:]\s*(\S+)\s*$/.exec(line);
    if (match) return match[1]?.toLowerCase() !== "false";
  }
  return true;
}

/** The placeholder values Flyway would have, for one file. */
function placeholderValues(options: ReadOptions, filename: string): Map<string, string> {
  return new Map([
    ["flyway:defaultSchema", "public"],
    ["flyway:table", "flyway_schema_history"],
    ["flyway:workingDirectory", process.cwd()],
    ["flyway:timestamp", flywayTimestamp(options.now ?? new Date())],
    ["flyway:filename", filename],
    ...Object.entries(options.placeholders ?? {}),
  ]);
}

interface ReadScript {
  readonly file: string;
  readonly checksum: string;
  /** As written, byte order mark removed. */
  readonly raw: string;
  /** Placeholders replaced (or `raw` when replacement is off). */
  readonly sql: string;
  readonly transaction: boolean;
}

async function readScript(
  file: TreeFile,
  confs: ReadonlyMap<string, TreeFile>,
  options: ReadOptions,
): Promise<ReadScript> {
  const { checksum, sql: raw } = await readMigrationFile(file.path);
  const transaction = await executesInTransaction(confs.get(`${file.relative}.conf`));
  if (options.placeholderReplacement === false) {
    return { file: file.relative, checksum, raw, sql: raw, transaction };
  }
  const result = replacePlaceholders(raw, placeholderValues(options, file.name));
  if (!result.ok) {
    const { placeholder, name, line, unterminated } = result.problem;
    const how = unterminated
      ? `placeholder \${${name}… has no closing }`
      : name.startsWith("flyway:")
        ? `Flyway fills ${placeholder} from its connection and pgdrift cannot know it: give its value as placeholder ${name}`
        : `no value provided for placeholder ${placeholder}: give it as Flyway does (flyway.placeholders.${name})`;
    throw new MigrationSourceError(file.path, `migration ${file.relative} line ${line}: ${how}`);
  }
  return { file: file.relative, checksum, raw, sql: result.text, transaction };
}

function script(read: ReadScript): MigrationScript {
  return read.transaction
    ? { file: read.file, sql: read.sql }
    : { file: read.file, sql: read.sql, transaction: false };
}

export const flywaySource: MigrationSource = {
  format: "flyway",
  async read(dir: string, options: ReadOptions = {}): Promise<Migration[]> {
    const files = await listTree(dir);
    const confs = new Map(
      files.filter((f) => f.name.endsWith(".sql.conf")).map((f) => [f.relative, f]),
    );
    const versioned: { file: TreeFile; version: FlywayVersion; description: string }[] = [];
    const repeatable: { file: TreeFile; description: string }[] = [];
    const callbacks: { file: TreeFile; event: string; description: string | null }[] = [];
    const ignored: string[] = [];
    for (const file of files) {
      const entry = classifyFlywayName(file.name);
      if (entry.type === "versioned") versioned.push({ file, ...entry });
      else if (entry.type === "repeatable") repeatable.push({ file, ...entry });
      else if (entry.type === "callback") callbacks.push({ file, ...entry });
      else if (entry.type === "invalid") {
        throw new MigrationSourceError(
          file.path,
          `invalid Flyway migration name ${file.relative}: ${entry.problem}; expected ${NAMING}`,
        );
      } else if (!confs.has(file.relative)) {
        ignored.push(entry.why ? `${file.relative} (${entry.why})` : file.relative);
      }
    }
    logIgnored(options, dir, ignored, "not run by flyway migrate");
    if (versioned.length + repeatable.length === 0) throw noMigrations(dir, NAMING);
    const statement = callbacks.find((c) => STATEMENT_EVENTS.has(c.event));
    if (statement) {
      throw new MigrationSourceError(
        statement.file.path,
        `Flyway callback ${statement.file.relative} runs around every SQL statement, which pgdrift does not reproduce; move its SQL into the migrations or an afterEachMigrate callback`,
      );
    }

    versioned.sort((a, b) => compareFlywayVersions(a.version, b.version));
    repeatable.sort((a, b) => compareJavaStrings(a.description, b.description));
    checkUniqueVersions(
      dir,
      versioned.map((v) => ({ file: v.file.relative, version: v.version.text })),
      (m) => parseFlywayVersion(m.version)?.parts.join(".") ?? m.version,
    );
    checkUniqueVersions(
      dir,
      repeatable.map((r) => ({ file: r.file.relative, version: r.description })),
      undefined,
      "description",
    );
    const callbackNames = new Map<string, string>();
    for (const { file } of callbacks) {
      const first = callbackNames.get(file.name);
      if (first !== undefined) {
        throw new MigrationSourceError(
          file.path,
          `two Flyway callbacks in ${dir} are named ${file.name}: ${first} and ${file.relative} (Flyway refuses more than one SQL callback script of a name)`,
        );
      }
      callbackNames.set(file.name, file.relative);
    }

    const byEvent = new Map<PlacedEvent, MigrationScript[]>();
    callbacks.sort(
      (a, b) =>
        PLACED_EVENTS.indexOf(a.event as PlacedEvent) -
          PLACED_EVENTS.indexOf(b.event as PlacedEvent) ||
        (a.description === null ? -1 : b.description === null ? 1 : 0) ||
        compareJavaStrings(a.description ?? "", b.description ?? ""),
    );
    for (const callback of callbacks) {
      const event = callback.event as PlacedEvent;
      const list = byEvent.get(event) ?? [];
      list.push(script(await readScript(callback.file, confs, options)));
      byEvent.set(event, list);
    }
    const scripts = (event: PlacedEvent) => byEvent.get(event) ?? [];

    const migrations: Migration[] = [];
    for (const entry of versioned) {
      const read = await readScript(entry.file, confs, options);
      migrations.push({
        ...script(read),
        kind: "versioned",
        version: entry.version.text,
        description: entry.description,
        checksum: read.checksum,
        toolChecksum: flywayChecksum(read.raw),
        timestamp: null,
      });
    }
    for (const entry of repeatable) {
      const read = await readScript(entry.file, confs, options);
      migrations.push({
        ...script(read),
        kind: "repeatable",
        version: entry.description,
        description: entry.description,
        checksum: read.checksum,
        toolChecksum: flywayChecksum(read.sql),
        timestamp: null,
      });
    }
    return placeCallbacks(migrations, versioned.length, scripts);
  },
};

/** Attaches the callbacks to the migrations they run around, as `flyway migrate` fires them. */
function placeCallbacks(
  migrations: readonly Migration[],
  versionedCount: number,
  scripts: (event: PlacedEvent) => readonly MigrationScript[],
): Migration[] {
  const last = migrations.length - 1;
  return migrations.map((migration, index) => {
    const before = [
      ...(index === 0 ? scripts("beforeMigrate") : []),
      ...(index === 0 && versionedCount === 0 ? scripts("afterVersioned") : []),
      ...(index === versionedCount ? scripts("beforeRepeatables") : []),
      ...scripts("beforeEachMigrate"),
    ];
    const after = [
      ...scripts("afterEachMigrate"),
      ...(index === versionedCount - 1 ? scripts("afterVersioned") : []),
      ...(index === last
        ? [
            ...scripts("afterMigrate"),
            ...scripts("afterMigrateApplied"),
            ...scripts("afterMigrateOperationFinish"),
          ]
        : []),
    ];
    return {
      ...migration,
      ...(before.length > 0 ? { before } : {}),
      ...(after.length > 0 ? { after } : {}),
    };
  });
}
