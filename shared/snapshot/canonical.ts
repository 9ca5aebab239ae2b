/**
 * Canonical JSON: object keys sorted at every depth, arrays kept in order, no whitespace
 * variance. The same value always gives the same bytes, which is what digests and
 * byte-identical snapshot files rely on.
 *
 * Returns the value itself where it is already canonical (keys in order, no `undefined`), so
 * values built in sorted order cost one pass of checks instead of a deep copy.
 */
export function canonicalize(value: unknown): unknown {
  return isCanonical(value) ? value : copyCanonical(value);
}

/** Values declared canonical where they were built: see declareCanonical. */
const declared = new WeakSet<object>();

/**
 * Declares `value` canonical as built, so that canonicalize returns it without walking it.
 * For the introspection's records of objects (a large snapshot's 100,000 objects would
 * otherwise be walked on every write): each reader builds its objects' keys in sorted order,
 * and a test checks every kind of a schema that has every kind, with a walk that ignores this
 * declaration. A value declared wrongly would still be hashed and written in one stable order;
 * only two routes building the same objects in different key orders would disagree on the digest.
 */
export function declareCanonical<T extends object>(value: T): T {
  declared.add(value);
  return value;
}

/**
 * True when `value` needs no copy: every object's own keys are in sorted order and none holds
 * `undefined`, at every depth. Allocates nothing (a large snapshot's 100,000 objects are
 * checked on every write), so it walks keys with `for…in`, which for plain objects is the
 * order Object.keys gives.
 */
function isCanonical(value: unknown): boolean {
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item !== null && typeof item === "object" && !isCanonical(item)) return false;
    }
    return true;
  }
  const record = value as Record<string, unknown>;
  if (declared.has(record)) return true;
  const prototype = Object.getPrototypeOf(record);
  let previous: string | undefined;
  if (prototype === Object.prototype || prototype === null) {
    for (const key in record) {
      if (previous !== undefined && !(previous < key)) return false;
      previous = key;
      if (!isCanonicalChild(record[key])) return false;
    }
    return true;
  }
  // for…in would also walk inherited keys: other objects list their own.
  for (const key of Object.keys(record)) {
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
    if (!isCanonicalChild(record[key])) return false;
  }
  return true;
}

function isCanonicalChild(child: unknown): boolean {
  if (child === undefined) return false;
  return child === null || typeof child !== "object" || isCanonical(child);
}

/** The canonical copy, sharing every child that is already canonical. */
function copyCanonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const child = canonicalize(value[i]);
      if (child !== value[i]) {
        copy ??= value.slice();
        copy[i] = child;
      }
    }
    return copy ?? value;
  }
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const sorted: Record<string, unknown> = {};
  for (const key of keys) {
    const child = record[key];
    if (child !== undefined) sorted[key] = canonicalize(child);
  }
  return sorted;
}

/** Compact canonical JSON, for hashing. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/** Indented canonical JSON with a trailing newline, for files people read and diff. */
export function prettyCanonicalJson(value: unknown): string {
  return `${JSON.stringify(canonicalize(value), null, 2)}\n`;
}
