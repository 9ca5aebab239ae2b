/**
 * Where a value's object keys are not in sorted order (or hold `undefined`), as paths such as
 * `column/public.t.a/privileges/0`, walking every depth. It ignores declareCanonical: it is
 * what checks that the introspection builds its objects canonical, as it declares.
 */
export function unsortedKeyPaths(value: unknown, path = ""): string[] {
  if (value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => unsortedKeyPaths(item, `${path}/${i}`));
  }
  const found: string[] = [];
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const child = (value as Record<string, unknown>)[key];
    if ((i > 0 && !((keys[i - 1] as string) < key)) || child === undefined) {
      found.push(`${path}/${key}`);
    }
    found.push(...unsortedKeyPaths(child, `${path}/${key}`));
  }
  return found;
}
