/** `"name"` with embedded quotes doubled: safe for any identifier (role, database). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
