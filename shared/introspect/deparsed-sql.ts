import { LATE_KEYWORDS } from "./sql-fragments.ts";
import { isKeyword, markLevels, type Token, tokenize } from "./sql-tokens.ts";

/**
 * Deparsed SQL and type names as PostgreSQL 17 and later print them, whatever the major the
 * text comes from (docs/cross-major.md): names that 16 and 17 made keywords, quoted;
 * XMLSERIALIZE's NO INDENT (16+); the `bool` name 14 gives an unnamed `true` or `false`.
 */

/**
 * PostgreSQL 14 names an unnamed `true` or `false` target `bool` (15 made them plain constants,
 * named `?column?`, which is not printed), so a subquery prints `(SELECT true AS bool)` on 14
 * and `(SELECT true)` on 15+. Inside subqueries the name means nothing and is removed; at the
 * top level it is the view's column name, a real difference, and is kept.
 */
export function dropImplicitBoolNames(text: string, everywhere = false): string {
  if (!/\b(?:true|false) AS bool\b/.test(text)) return text;
  const tokens = tokenize(text);
  if (tokens === null || !markLevels(tokens)) return text;
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    out.push(token.text);
    const named =
      (everywhere || !token.topLevel) &&
      (token.text === "true" || token.text === "false") &&
      tokens[i + 1]?.type === "space" &&
      tokens[i + 2]?.text === "AS" &&
      tokens[i + 3]?.type === "space" &&
      tokens[i + 4]?.text === "bool" &&
      tokens[i + 5]?.text !== ".";
    if (named) i += 4;
  }
  return out.join("");
}

const LATE = new Set(LATE_KEYWORDS);
const LATE_WORD = new RegExp(`\\b(?:${LATE_KEYWORDS.join("|")})\\b`);

/**
 * Deparsed SQL (a check body, a default, an index expression or predicate, a policy, a trigger,
 * a function's SQL-standard body) as PostgreSQL 17 and later print it: late keywords quoted
 * (quoteLateKeywords) and, before 16, XMLSERIALIZE's default NO INDENT spelled out
 * (xmlserializeIndent). An argument list is read by argumentNamesAsOf17 instead: a type
 * follows its parameter's name there.
 */
export function deparsedAsOf17(text: string, serverVersionNum: number): string {
  if (serverVersionNum >= 170000) return text;
  return quoteLateKeywords(serverVersionNum >= 160000 ? text : xmlserializeIndent(text));
}

/**
 * PostgreSQL 16 added XMLSERIALIZE's INDENT option and prints its default, `NO INDENT`
 * (`XMLSERIALIZE(CONTENT x AS text NO INDENT)`); earlier majors print nothing there. It is
 * added, as 16 prints it, to each XMLSERIALIZE call of text from an earlier server.
 */
function xmlserializeIndent(text: string): string {
  if (!text.includes("XMLSERIALIZE(")) return text;
  const tokens = tokenize(text);
  if (tokens === null) return text;
  const inserts = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    if (!isKeyword(tokens[i] as Token, "XMLSERIALIZE") || tokens[i + 1]?.text !== "(") continue;
    let depth = 0;
    for (let j = i + 1; j < tokens.length; j++) {
      const text = (tokens[j] as Token).text;
      if (text === "(") depth++;
      else if (text === ")" && --depth === 0) {
        inserts.add(j);
        break;
      }
    }
  }
  return tokens.map((t, i) => (inserts.has(i) ? ` NO INDENT${t.text}` : t.text)).join("");
}

/**
 * A SQL-standard function body (`BEGIN ATOMIC … END`, `RETURN …`) as 17 prints it: late
 * keywords quoted, and on 14 the `bool` name of an unnamed `true` / `false` removed (no name
 * in a function body means anything).
 */
export function functionBodyAsOf17(text: string, serverVersionNum: number): string {
  const named = serverVersionNum >= 150000 ? text : dropImplicitBoolNames(text, true);
  return deparsedAsOf17(named, serverVersionNum);
}

/**
 * An argument list as `pg_get_function_arguments` prints it (`json integer, b text DEFAULT
 * 'x'::text`), or a result's `TABLE(…)`, with argument names that are late keywords quoted as
 * 17 quotes them. A name is the first word of an argument (after IN, OUT, INOUT or VARIADIC)
 * when a type follows it; an argument of type `json` without a name is left as it is.
 */
export function argumentNamesAsOf17(text: string, serverVersionNum: number): string {
  if (serverVersionNum >= 170000 || !LATE_WORD.test(text)) return text;
  const tokens = tokenize(text);
  if (tokens === null) return text;
  const quoted = new Set<number>();
  // In a result's TABLE(…), its columns are separated at depth 1.
  const level = /^TABLE\s*\(/.test(text) ? 1 : 0;
  let depth = 0;
  let argumentStart = true;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.text === "(") {
      depth++;
      if (depth === 1 && level === 1) argumentStart = true;
      continue;
    }
    if (token.text === ")") depth--;
    if (token.text === "," && depth === level) {
      argumentStart = true;
      continue;
    }
    if (!argumentStart || token.type === "space") continue;
    if (isKeyword(token, "IN", "OUT", "INOUT", "VARIADIC")) continue;
    argumentStart = false;
    if (token.type !== "word" || !LATE.has(token.text)) continue;
    let next = i + 1;
    while (tokens[next]?.type === "space") next++;
    const after = tokens[next];
    const typeFollows =
      next > i + 1 &&
      after !== undefined &&
      (after.type === "quoted" || after.type === "word") &&
      !isKeyword(after, "DEFAULT");
    if (typeFollows) quoted.add(i);
  }
  return tokens.map((t, i) => (quoted.has(i) ? `"${t.text}"` : t.text)).join("");
}

/**
 * Before 17 (16 for some of them), the LATE_KEYWORDS are not keywords and the deparse
 * functions leave a column or table of that name unquoted: `SELECT id, json FROM app.t` where
 * 17 prints `SELECT id, "json" FROM app.t`. Such a name is quoted here as 17 quotes it. A word
 * after `::` is a type (`'{}'::json`), which every major prints bare; SQL/JSON syntax is
 * printed in upper case and is not touched.
 */
function quoteLateKeywords(text: string): string {
  if (!LATE_WORD.test(text)) return text;
  const tokens = tokenize(text);
  if (tokens === null) return text;
  const significant = tokens.filter((t) => t.type !== "space");
  const quoted = new Set<Token>();
  significant.forEach((token, at) => {
    if (token.type !== "word" || !LATE.has(token.text)) return;
    const type = token.text === "json" && isJsonType(significant[at - 1], significant[at + 1]);
    if (!type) quoted.add(token);
  });
  return tokens.map((t) => (quoted.has(t) ? `"${t.text}"` : t.text)).join("");
}

/** What may follow a type in a column definition list, XMLTABLE or JSON_TABLE columns. */
const AFTER_COLUMN_TYPE = new Set([",", ")", "[", "PATH", "DEFAULT", "NOT", "FORMAT"]);

/**
 * Whether a bare `json` is the built-in type (printed bare by every major) rather than a name:
 * after `::` or `RETURNING`, or after a column's name in a column definition list
 * (`AS t(a json, b integer)`, `COLUMNS j json PATH …`). Unqualified, it can only be the
 * built-in type there: the empty search_path qualifies every other.
 */
function isJsonType(before: Token | undefined, after: Token | undefined): boolean {
  if (before === undefined) return false;
  if (before.text === "::" || isKeyword(before, "RETURNING")) return true;
  const namedBefore =
    before.type === "quoted" || (before.type === "word" && /^[a-z_][a-z0-9_$]*$/.test(before.text));
  return namedBefore && after !== undefined && AFTER_COLUMN_TYPE.has(after.text);
}

/**
 * A type's name as `format_type` and the function printers spell it (`kw."json_value"[]`,
 * `integer, kw.json_object`), PostgreSQL 17 style: a late keyword that is part of a qualified
 * name (next to a `.`) is quoted. The built-in `json` is never qualified, and stays bare.
 */
export function typeNameAsOf17(text: string, serverVersionNum: number): string {
  if (serverVersionNum >= 170000 || !LATE_WORD.test(text)) return text;
  const tokens = tokenize(text);
  if (tokens === null) return text;
  return tokens
    .map((token, i) =>
      token.type === "word" &&
      LATE.has(token.text) &&
      (tokens[i - 1]?.text === "." || tokens[i + 1]?.text === ".")
        ? `"${token.text}"`
        : token.text,
    )
    .join("");
}
