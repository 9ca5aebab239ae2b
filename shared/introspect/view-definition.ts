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
 * What else differs between majors in any deparsed SQL (names that became keywords,
 * XMLSERIALIZE's NO INDENT, 14's `bool` names in subqueries) is in deparsed-sql.ts.
 */

import { deparsedAsOf17, dropImplicitBoolNames } from "./deparsed-sql.ts";
import { isIdentifier, isKeyword, markLevels, type Token, tokenize } from "./sql-tokens.ts";

/** `pg_get_viewdef` text without the trailing whitespace and final `;`, PostgreSQL 18 style. */
export function normalizeViewDefinition(text: string, serverVersionNum: number): string {
  const trimmed = text.replace(/;?\s*$/, "");
  const unqualified = serverVersionNum >= 160000 ? trimmed : unqualifySingleSource(trimmed);
  const named = serverVersionNum >= 150000 ? unqualified : dropImplicitBoolNames(unqualified);
  return deparsedAsOf17(named, serverVersionNum);
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
