/**
 * Canonical JSON: object keys sorted at every depth, arrays kept in order, no whitespace
 * variance. The same value always gives the same bytes, which is what digests and
 * byte-identical snapshot files rely on.
 *
 * Returns the value itself where it is already canonical (keys in order, no `undefined`), so
 * values built in sorted order cost one pass of checks instead of a deep copy.
 */
export function canonicalize(value: unknown): unknown {
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
  const keys = Object.keys(record);
  let inOrder = true;
  for (let i = 1; i < keys.length && inOrder; i++) {
    inOrder = (keys[i - 1] as string) < (keys[i] as string);
  }
  // Children are copied only from the first one that changes (the common case: none does).
  let children: unknown[] | undefined;
  for (let i = 0; i < keys.length; i++) {
    const child = record[keys[i] as string];
    const canonical = child === undefined ? undefined : canonicalize(child);
    if (children === undefined && (canonical !== child || child === undefined)) {
      children = keys.slice(0, i).map((key) => record[key]);
    }
    if (children !== undefined) children[i] = canonical;
  }
  if (inOrder && children === undefined) return value;
  const order = keys.map(
    (key, i) => [key, children === undefined ? record[key] : children[i]] as const,
  );
  if (!inOrder) order.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const sorted: Record<string, unknown> = {};
  for (const [key, child] of order) if (child !== undefined) sorted[key] = child;
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
