/**
 * Connection URLs as pgdrift may show them: never with a password. Anything that names a
 * server in a message or a log goes through `redactUrl`.
 */

const URL_SCHEME = /^postgres(?:ql)?:\/\//i;

/** Query parameters that carry a secret (`password=`, `sslpassword=`, …). */
const SECRET_PARAM = /^(?:password|passwd|pass|pwd|sslpassword)$/i;

export function isPostgresUrl(text: string): boolean {
  return URL_SCHEME.test(text);
}

/** Best effort for text `new URL` refuses (several hosts, a raw `@` or `/` in the password). */
function scrubUnparsed(text: string): string {
  let out = text;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(out);
  if (scheme) {
    const rest = out.slice(scheme[0].length);
    const queryAt = rest.indexOf("?");
    const beforeQuery = queryAt < 0 ? rest : rest.slice(0, queryAt);
    const at = beforeQuery.lastIndexOf("@");
    if (at >= 0) {
      const user = beforeQuery.slice(0, at).split(":")[0] ?? "";
      out = `${scheme[0]}${user ? `${user}@` : ""}${rest.slice(at + 1)}`;
    }
  }
  // key=value pairs, in a query string or a libpq keyword/value string
  return out
    .replace(
      /(^|[?&\s])(password|passwd|pass|pwd|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'?|[^&\s]*)[&\s]*/gi,
      "$1",
    )
    .replace(/[?&]$/, "")
    .trimEnd();
}

/**
 * `postgresql://user@host:port/db`: the URL without its password (also dropped from query
 * parameters such as `password=`). Other query parameters are kept.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return scrubUnparsed(url);
  }
  parsed.password = "";
  const kept = new URLSearchParams();
  for (const [key, value] of parsed.searchParams)
    if (!SECRET_PARAM.test(key)) kept.append(key, value);
  const query = kept.toString();
  parsed.search = query ? `?${query}` : "";
  const text = parsed.toString();
  // belt and braces: a URL parser quirk must never let a password through
  return parsed.password === "" ? text : scrubUnparsed(url);
}

/** The same server and settings, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The database a URL names, or undefined when its path is empty. */
export function databaseOfUrl(url: string): string | undefined {
  const path = new URL(url).pathname.replace(/^\//, "");
  return path ? decodeURIComponent(path) : undefined;
}
