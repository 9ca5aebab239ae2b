/**
 * Storage and view options (`reloptions`) as one spelling: PostgreSQL keeps the value as it was
 * written, so `autovacuum_enabled=off` and `autovacuum_enabled=false` would otherwise differ.
 */

/** Options whose value is a boolean: PostgreSQL reads `on`, `yes`, `1`, `TRUE` … as one value. */
const BOOLEAN_OPTIONS = new Set([
  "security_barrier",
  "security_invoker",
  "autovacuum_enabled",
  "vacuum_truncate",
  "user_catalog_table",
]);
/** Options whose value is a keyword PostgreSQL reads case-insensitively (booleans allowed too). */
const KEYWORD_OPTIONS = new Set(["check_option", "vacuum_index_cleanup"]);

/** parse_bool's spellings: `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0` and unique prefixes. */
function parseBool(value: string): boolean | null {
  const v = value.toLowerCase();
  if (v === "1" || (v.length >= 2 && "on".startsWith(v))) return true;
  if (v === "0" || (v.length >= 2 && "off".startsWith(v))) return false;
  if (v.length > 0 && ("true".startsWith(v) || "yes".startsWith(v))) return true;
  if (v.length > 0 && ("false".startsWith(v) || "no".startsWith(v))) return false;
  return null;
}

/**
 * `security_barrier=on` and `security_barrier=true` are the same option: reloptions keeps the
 * value as written, so booleans are spelled `true`/`false` and keywords in lower case.
 */
export function normalizeOption(option: string): string {
  const eq = option.indexOf("=");
  if (eq < 0) return option;
  const name = option.slice(0, eq);
  const value = option.slice(eq + 1);
  const base = name.startsWith("toast.") ? name.slice(6) : name;
  if (BOOLEAN_OPTIONS.has(base) || KEYWORD_OPTIONS.has(base)) {
    const bool = parseBool(value);
    if (bool !== null && base !== "check_option") return `${name}=${bool}`;
    if (KEYWORD_OPTIONS.has(base)) return `${name}=${value.toLowerCase()}`;
  }
  return option;
}
