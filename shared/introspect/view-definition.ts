/**
 * View definitions as PostgreSQL 17 and later print them, whatever the major.
 *
 * Before PostgreSQL 16, a view's stored query carried two placeholder range-table entries
 * (OLD and NEW), so `pg_get_viewdef` qualified every column of the query with its relation
 * (`SELECT users.id FROM app.users WHERE users.active`). From 16 on, a query that reads a
 * single FROM item prints its columns unqualified (`SELECT id FROM app.users WHERE active`).
 * Same schema, different text: a baseline built on 15 would report every simple view of a 17
 * environment as changed. On servers older than 16 the redundant qualifiers are removed, in the
 * top-level query only and only when it reads a single FROM item: exactly where 16 leaves them
 * out. Subqueries, CTE bodies and set operations are printed the same by every major, and are
 * left as they are. Anything this cannot read with certainty is left unchanged.
 *
 * Before 17, names that 16 or 17 made keywords (`json`, `json_table`, `system_user`, …) are
 * printed bare where 17 quotes them: they are quoted (quoteLateKeywords).
 */

import { LATE_KEYWORDS } from "./sql-fragments.ts";

/** `pg_get_viewdef` text without the trailing whitespace and final `;`, PostgreSQL 18 style. */
export function normalizeViewDefinition(text: string, serverVersionNum: number): string {
  const trimmed = text.replace(/;?\s*$/, "");
  const unqualified = serverVersionNum >= 160000 ? trimmed : unqualifySingleSource(trimmed);
  const named = serverVersionNum >= 150000 ? unqualified : dropImplicitBoolNames(unqualified);
  return deparsedAsOf17(named, serverVersionNum);
}

/**
 * PostgreSQL 14 names an unnamed `true` or `false` target `bool` (15 made them plain constants,
 * named `?column?`, which is not printed), so a subquery prints `(SELECT true AS bool)` on 14
 * and `(SELECT true)` on 15+. Inside subqueries the name means nothing and is removed; at the
 * top level it is the view's column name, a real difference, and is kept.
 */
function dropImplicitBoolNames(text: string, everywhere = false): string {
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
  return tokens
    .map((token) => {
      if (token.type !== "word" || !LATE.has(token.text)) return token.text;
      const at = significant.indexOf(token);
      const before = significant[at - 1];
      const after = significant[at + 1];
      return token.text === "json" && isJsonType(before, after) ? token.text : `"${token.text}"`;
    })
    .join("");
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

type TokenType = "word" | "quoted" | "string" | "space" | "punct";

interface Token {
  readonly type: TokenType;
  readonly text: string;
  readonly start: number;
  /** False inside a subquery (a parenthesis opening with SELECT, WITH, VALUES or TABLE). */
  topLevel: boolean;
  /** Parenthesis depth within the top-level query. */
  depth: number;
}

const WORD = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;

function tokenize(text: string): Token[] | null {
  const tokens: Token[] = [];
  let i = 0;
  const push = (type: TokenType, end: number) => {
    tokens.push({ type, text: text.slice(i, end), start: i, topLevel: true, depth: 0 });
    i = end;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      let end = i + 1;
      while (end < text.length && /\s/.test(text[end] as string)) end++;
      push("space", end);
    } else if (c === "'" || c === '"') {
      // Quotes inside are doubled; an unterminated literal means the text is not understood.
      let end = i + 1;
      for (;;) {
        const next = text.indexOf(c, end);
        if (next < 0) return null;
        if (text[next + 1] === c) end = next + 2;
        else {
          end = next + 1;
          break;
        }
      }
      push(c === "'" ? "string" : "quoted", end);
    } else {
      WORD.lastIndex = i;
      const word = WORD.exec(text);
      if (word) push("word", i + word[0].length);
      else if (c === ":" && text[i + 1] === ":") push("punct", i + 2);
      else push("punct", i + 1);
    }
  }
  return tokens;
}

/** Keywords are printed in upper case. */
function isKeyword(token: Token, ...words: string[]): boolean {
  return token.type === "word" && words.includes(token.text);
}

/** quote_ident leaves a name unquoted only when it is lower case letters, digits, `_` and `$`. */
function isIdentifier(token: Token | undefined): boolean {
  return (
    token !== undefined &&
    (token.type === "quoted" || (token.type === "word" && /^[a-z_][a-z0-9_$]*$/.test(token.text)))
  );
}

/** Marks which tokens belong to the top-level query and their parenthesis depth in it. */
function markLevels(tokens: Token[]): boolean {
  const frames: boolean[] = []; // true: a subquery
  let subqueries = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.text === ")") {
      const frame = frames.pop();
      if (frame === undefined) return false;
      if (frame) subqueries--;
    }
    token.topLevel = subqueries === 0;
    token.depth = frames.length;
    if (token.text === "(") {
      let next = i + 1;
      while (tokens[next]?.type === "space") next++;
      const after = tokens[next];
      const subquery = after !== undefined && isKeyword(after, "SELECT", "WITH", "VALUES", "TABLE");
      frames.push(subquery);
      if (subquery) subqueries++;
    }
  }
  return frames.length === 0;
}

const CLAUSES_AFTER_FROM = [
  "WHERE",
  "GROUP",
  "HAVING",
  "WINDOW",
  "ORDER",
  "LIMIT",
  "OFFSET",
  "FETCH",
  "FOR",
];

/** The name columns of the only FROM item are qualified with, or null when not one item. */
function singleSourceName(items: readonly Token[]): string | null {
  // Significant tokens, with each parenthesized group collapsed to one `()` element.
  const elements: Token[] = [];
  for (const token of items) {
    if (token.type === "space" || token.text === ")") continue;
    // A join, even in parentheses, reads several relations.
    if (token.topLevel && isKeyword(token, "JOIN")) return null;
    if (token.depth > 0 || !token.topLevel) {
      if (token.text === "(" && token.depth === 0 && token.topLevel) elements.push(token);
      continue;
    }
    if (token.text === ",") return null;
    elements.push(token);
  }
  let at = 0;
  // ONLY, LATERAL, ROWS FROM, XMLTABLE, …: the item is named by its alias.
  const keyword = (token: Token | undefined) =>
    token?.type === "word" && /^[A-Z][A-Z_]*$/.test(token.text);
  while (keyword(elements[at])) at++;
  let name: string | null = null;
  if (elements[at]?.text === "(") at++;
  else {
    while (isIdentifier(elements[at])) {
      name = (elements[at] as Token).text;
      at++;
      if (elements[at]?.text !== ".") break;
      at++;
    }
    if (name === null) return null;
    if (elements[at]?.text === "(") at++;
  }
  while (keyword(elements[at]) && isKeyword(elements[at] as Token, "WITH", "ORDINALITY")) at++;
  const alias = elements[at];
  return isIdentifier(alias) ? (alias as Token).text : name;
}

/** Words after which `x.y` outside the FROM clause is a type or collation name, never a column. */
const NAME_CONTEXT = ["COLLATE", "AS", "RETURNING"];

function unqualifySingleSource(text: string): string {
  const tokens = tokenize(text);
  if (tokens === null || !markLevels(tokens)) return text;
  const top = (t: Token) => t.topLevel;
  if (tokens.some((t) => top(t) && isKeyword(t, "UNION", "INTERSECT", "EXCEPT"))) return text;
  const significant = (from: number, step: 1 | -1): Token | undefined => {
    for (let i = from + step; i >= 0 && i < tokens.length; i += step) {
      if ((tokens[i] as Token).type !== "space") return tokens[i];
    }
    return undefined;
  };
  const from = tokens.findIndex(
    (t, i) =>
      top(t) &&
      t.depth === 0 &&
      isKeyword(t, "FROM") &&
      !isKeyword(significant(i, -1) ?? t, "DISTINCT"),
  );
  if (from < 0) return text;
  let end = from + 1;
  while (end < tokens.length) {
    const t = tokens[end] as Token;
    if (top(t) && t.depth === 0 && isKeyword(t, ...CLAUSES_AFTER_FROM)) break;
    end++;
  }
  const source = singleSourceName(tokens.slice(from + 1, end));
  if (source === null) return text;
  const removed = new Set<number>();
  tokens.forEach((token, i) => {
    if (!top(token) || (i > from && i < end) || token.text !== source) return;
    const dot = tokens[i + 1];
    const column = tokens[i + 2];
    const after = tokens[i + 3];
    if (dot?.text !== "." || !isIdentifier(column) || after?.text === "(" || after?.text === ".")
      return;
    const before = significant(i, -1);
    if (
      before &&
      (before.text === "::" || before.text === "." || isKeyword(before, ...NAME_CONTEXT))
    )
      return;
    removed.add(i).add(i + 1);
  });
  return tokens
    .filter((_, i) => !removed.has(i))
    .map((t) => t.text)
    .join("");
}
