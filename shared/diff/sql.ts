import { quoteIdent, quoteLiteral } from "./identity.ts";

/** `COMMENT ON TABLE public.orders IS '…';` (or `IS NULL` to remove it). */
export function commentStatement(target: string, comment: unknown): string {
  const value = typeof comment === "string" ? quoteLiteral(comment) : "NULL";
  return `COMMENT ON ${target} IS ${value};`;
}

interface Grant {
  readonly grantee: string;
  readonly privilege: string;
  readonly grantable: boolean;
}

/** `app_reader:SELECT*` → grantee `app_reader`, privilege `SELECT`, grantable. */
function parsePrivilege(text: string): Grant | null {
  const colon = text.lastIndexOf(":");
  if (colon <= 0) return null;
  const grantable = text.endsWith("*");
  const privilege = text.slice(colon + 1, grantable ? -1 : undefined);
  return { grantee: text.slice(0, colon), privilege, grantable };
}

function grantMap(privileges: unknown): Map<string, Grant> {
  const map = new Map<string, Grant>();
  for (const text of Array.isArray(privileges) ? privileges : []) {
    const grant = parsePrivilege(String(text));
    if (grant) map.set(`${grant.grantee}:${grant.privilege}`, grant);
  }
  return map;
}

/**
 * GRANT / REVOKE statements that turn the environment's privileges into the baseline's.
 * `target` is the object clause (`TABLE public.orders`, `SCHEMA billing`); `column` makes
 * them column privileges. Grants to the object's owner (`OWNER`) are spelled with `owner`
 * when it is known, and left out otherwise.
 */
export function privilegeStatements(
  target: string,
  expected: unknown,
  actual: unknown,
  options: { readonly column?: string; readonly owner?: string } = {},
): string[] {
  const want = grantMap(expected);
  const have = grantMap(actual);
  const columns = options.column === undefined ? "" : ` (${options.column})`;
  const who = (grantee: string) =>
    grantee === "OWNER"
      ? options.owner === undefined
        ? null
        : quoteIdent(options.owner)
      : grantee;
  const statements: string[] = [];
  for (const key of [...new Set([...want.keys(), ...have.keys()])].sort()) {
    const w = want.get(key);
    const h = have.get(key);
    const grantee = who((w ?? h)?.grantee ?? "");
    if (grantee === null) continue;
    const privilege = (w ?? h)?.privilege ?? "";
    if (w && (!h || (w.grantable && !h.grantable))) {
      const option = w.grantable ? " WITH GRANT OPTION" : "";
      statements.push(`GRANT ${privilege}${columns} ON ${target} TO ${grantee}${option};`);
    } else if (h && !w) {
      statements.push(`REVOKE ${privilege}${columns} ON ${target} FROM ${grantee};`);
    } else if (w && h?.grantable && !w.grantable) {
      statements.push(
        `REVOKE GRANT OPTION FOR ${privilege}${columns} ON ${target} FROM ${grantee};`,
      );
    }
  }
  return statements;
}

/** A remediation made of SQL statements, or the fallback text when there are none. */
export function statementsOr(statements: readonly string[], fallback: string): string {
  return statements.length > 0 ? statements.join(" ") : fallback;
}
