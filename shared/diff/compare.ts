/** How the fields of one kind of object are compared. */
export interface FieldSpec {
  /** The DESIGN attribute vocabulary of the kind. A differing field outside it is reported as `definition`. */
  readonly vocabulary: readonly string[];
  /** Fields that name the object (or are checked elsewhere): never compared here. */
  readonly skip: readonly string[];
  /** Array fields compared as sets: order does not matter. */
  readonly sets?: readonly string[];
}

/** One attribute that differs between the baseline's object and the environment's. */
export interface AttributeDiff {
  readonly attribute: string;
  /**
   * The baseline's value. When the attribute gathers fields of other names (several
   * non-vocabulary fields under `definition`), an object of those fields.
   */
  readonly expected: unknown;
  readonly actual: unknown;
}

/** Structural equality of JSON values; object key order does not matter, `undefined` is null. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined) return b === null || b === undefined;
  if (b === null || b === undefined || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  const kb = Object.keys(rb);
  // Objects of one kind usually have the same keys in the same order: one pass settles them.
  let sameKeys = ka.length === kb.length;
  for (let i = 0; sameKeys && i < ka.length; i++) sameKeys = ka[i] === kb[i];
  for (const key of ka) if (!sameValue(ra[key], rb[key])) return false;
  if (!sameKeys) {
    for (const key of kb)
      if (!Object.hasOwn(ra, key) && !sameValue(undefined, rb[key])) return false;
  }
  return true;
}

function normalized(value: unknown, asSet: boolean): unknown {
  if (!asSet || !Array.isArray(value)) return value ?? null;
  return [...new Set(value.map(String))].sort();
}

/**
 * Compares two objects of one kind field by field: one entry per differing attribute,
 * sorted by attribute. Fields mapped to the same attribute are reported together.
 */
export function diffAttributes(expected: object, actual: object, spec: FieldSpec): AttributeDiff[] {
  // Almost every object pair is equal: settle those with one structural comparison.
  if (sameValue(expected, actual)) return [];
  const exp = expected as Record<string, unknown>;
  const act = actual as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(exp), ...Object.keys(act)])]
    .filter((field) => !spec.skip.includes(field))
    .sort();
  const groups = new Map<string, string[]>();
  for (const field of fields) {
    const asSet = spec.sets?.includes(field) ?? false;
    if (sameValue(normalized(exp[field], asSet), normalized(act[field], asSet))) continue;
    const attribute = spec.vocabulary.includes(field) ? field : "definition";
    groups.set(attribute, [...(groups.get(attribute) ?? []), field]);
  }
  const diffs: AttributeDiff[] = [];
  for (const [attribute, group] of [...groups].sort(([a], [b]) => compareText(a, b))) {
    const [only] = group;
    if (group.length === 1 && only === attribute) {
      const asSet = spec.sets?.includes(only) ?? false;
      diffs.push({
        attribute,
        expected: normalized(exp[only], asSet),
        actual: normalized(act[only], asSet),
      });
    } else {
      diffs.push({
        attribute,
        expected: Object.fromEntries(group.map((field) => [field, exp[field] ?? null])),
        actual: Object.fromEntries(group.map((field) => [field, act[field] ?? null])),
      });
    }
  }
  return diffs;
}

/** Plain code-unit order: the same on every machine, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A value as a person reads it in a message: `none`, `true`, `(user_id, status)`, `fillfactor=70`. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (Array.isArray(value))
    return value.length === 0 ? "none" : `(${value.map(formatValue).join(", ")})`;
  if (typeof value === "object") {
    return Object.entries(value)
      .map(([key, child]) => `${key} ${formatValue(child)}`)
      .join("; ");
  }
  return String(value);
}

/** Elements of `a` not in `b`, sorted. */
export function setMinus(a: readonly string[], b: readonly string[]): string[] {
  const other = new Set(b);
  return [...new Set(a)].filter((x) => !other.has(x)).sort();
}

/** `column public.orders.status: type is character varying(20), expected character varying(50)` */
export function changedMessage(kind: string, object: string, diff: AttributeDiff): string {
  if (
    diff.attribute === "privileges" &&
    Array.isArray(diff.expected) &&
    Array.isArray(diff.actual)
  ) {
    const missing = setMinus(diff.expected.map(String), diff.actual.map(String));
    const extra = setMinus(diff.actual.map(String), diff.expected.map(String));
    const parts = [
      ...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []),
      ...(extra.length > 0 ? [`not granted by any migration ${extra.join(", ")}`] : []),
    ];
    return `${kind} ${object}: privileges differ: ${parts.join("; ")}`;
  }
  return `${kind} ${object}: ${diff.attribute} is ${formatValue(diff.actual)}, expected ${formatValue(diff.expected)}`;
}
