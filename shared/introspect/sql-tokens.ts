/**
 * A tokenizer for the SQL PostgreSQL's deparse functions print (pg_get_viewdef and the like):
 * words, quoted names, string literals, spaces and punctuation, with the parenthesis levels
 * that tell a subquery from the query around it. Not a SQL parser: callers only rewrite what
 * they can read with certainty, and leave any text it cannot tokenize unchanged.
 */

export type TokenType = "word" | "quoted" | "string" | "space" | "punct";

export interface Token {
  readonly type: TokenType;
  readonly text: string;
  readonly start: number;
  /** False inside a subquery (a parenthesis opening with SELECT, WITH, VALUES or TABLE). */
  topLevel: boolean;
  /** Parenthesis depth within the top-level query. */
  depth: number;
}

const WORD = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;

export function tokenize(text: string): Token[] | null {
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
export function isKeyword(token: Token, ...words: string[]): boolean {
  return token.type === "word" && words.includes(token.text);
}

/** quote_ident leaves a name unquoted only when it is lower case letters, digits, `_` and `$`. */
export function isIdentifier(token: Token | undefined): boolean {
  return (
    token !== undefined &&
    (token.type === "quoted" || (token.type === "word" && /^[a-z_][a-z0-9_$]*$/.test(token.text)))
  );
}

/** Marks which tokens belong to the top-level query and their parenthesis depth in it. */
export function markLevels(tokens: Token[]): boolean {
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
