/**
 * Splits SQL text into statements the way psql does, so a migration can be run statement by
 * statement (and a failure located) when it cannot run as one query in a transaction.
 *
 * A lexer, not a parser: it knows quotes ('' and E'' strings, "identifiers", $tag$ dollar
 * quotes), comments (-- and nested block comments) and psql's two structural rules: a
 * semicolon inside parentheses does not end a statement, and neither does one inside the
 * `BEGIN ATOMIC … END` body of a `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (PostgreSQL 14+).
 * Unterminated quotes and comments run to the end of the text; the server reports them.
 */

export interface SqlStatement {
  /** From the first token up to the terminating semicolon (excluded), trailing space trimmed. */
  readonly text: string;
  /** Offset of the first token in the source text (UTF-16 code units). */
  readonly offset: number;
  /** 1-based line of the first token. */
  readonly line: number;
  /** The first bare (unquoted) words of the statement, lower-cased: at most four. */
  readonly words: readonly string[];
}

/** A psql backslash command (`\i file`, `\set x 1`, `\.`): not SQL, the server cannot run it. */
export interface MetaCommand {
  /** The backslash and the command name: `\i`, `\connect`, `\.` */
  readonly command: string;
  readonly offset: number;
  /** 1-based line of the backslash. */
  readonly line: number;
}

export interface SplitResult {
  readonly statements: readonly SqlStatement[];
  readonly metaCommands: readonly MetaCommand[];
}

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0c, 0x0b]);

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Letters, `_` and any non-ASCII character start an identifier, as in the server's lexer. */
function isWordStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c >= 0x80;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === 0x24 /* $ */;
}

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$/y;

/** 1-based line of each offset, by binary search over the newline positions. */
class LineIndex {
  private readonly newlines: number[] = [];
  constructor(text: string) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.newlines.push(i);
  }
  lineAt(offset: number): number {
    let low = 0;
    let high = this.newlines.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.newlines[mid] ?? Number.POSITIVE_INFINITY) < offset) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  }
}

/** End of a quoted run starting at `start` (the opening quote): the offset after the closing quote. */
function skipQuoted(text: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (backslashEscapes && ch === "\\") {
      i += 2;
    } else if (ch === quote) {
      if (text[i + 1] !== quote) return i + 1;
      i += 2;
    } else {
      i++;
    }
  }
  return text.length;
}

/** End of a (nested) block comment starting at `start` (the `/*`). */
function skipBlockComment(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text.startsWith("/*", i)) {
      depth++;
      i += 2;
    } else if (text.startsWith("*/", i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return text.length;
}

function endOfLine(text: string, start: number): number {
  const newline = text.indexOf("\n", start);
  return newline < 0 ? text.length : newline;
}

/** psql's test: the statement starts `CREATE [OR REPLACE] FUNCTION|PROCEDURE`. */
function isRoutineDefinition(words: readonly string[]): boolean {
  const routine = (word: string | undefined) => word === "function" || word === "procedure";
  if (words[0] !== "create") return false;
  return routine(words[1]) || (words[1] === "or" && words[2] === "replace" && routine(words[3]));
}

/** `COPY … FROM stdin`: its rows follow in the script, as psql reads them. */
const COPY_FROM_STDIN = /^copy\b[^;]*\bfrom\s+stdin\b/i;

/** Where the rows of a `COPY … FROM stdin` end: after the line `\.`, or at the end of the text. */
function endOfCopyData(text: string, from: number): number {
  const end = /^\\\.[ \t\r]*$/m.exec(text.slice(from));
  return end === null ? text.length : from + end.index + end[0].length;
}

export function splitSql(text: string): SplitResult {
  const lines = new LineIndex(text);
  const statements: SqlStatement[] = [];
  const metaCommands: MetaCommand[] = [];

  let start = -1;
  let parenDepth = 0;
  let beginDepth = 0;
  let words: string[] = [];

  const finish = (end: number) => {
    if (start >= 0) {
      statements.push({
        text: text.slice(start, end).trimEnd(),
        offset: start,
        line: lines.lineAt(start),
        words,
      });
    }
    start = -1;
    parenDepth = 0;
    beginDepth = 0;
    words = [];
  };

  const onWord = (word: string) => {
    if (words.length < 4) words.push(word);
    if (parenDepth > 0 || !isRoutineDefinition(words)) return;
    if (word === "begin") beginDepth++;
    else if (word === "case" && beginDepth > 0) beginDepth++;
    else if (word === "end" && beginDepth > 0) beginDepth--;
  };

  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (SPACE.has(c)) {
      i++;
      continue;
    }
    if (text.startsWith("--", i)) {
      i = endOfLine(text, i);
      continue;
    }
    if (text.startsWith("/*", i)) {
      i = skipBlockComment(text, i);
      continue;
    }
    if (c === 0x3b /* ; */) {
      if (parenDepth === 0 && beginDepth === 0) {
        const copyLine =
          start >= 0 && COPY_FROM_STDIN.test(text.slice(start, i)) ? lines.lineAt(start) : 0;
        finish(i);
        if (copyLine > 0) {
          // psql sends the lines after it, up to `\.`, as the rows: data, not SQL (a quote in
          // a name would open a string that swallows the rest of the file).
          metaCommands.push({ command: "\\.", offset: i, line: copyLine });
          i = endOfCopyData(text, i + 1);
          continue;
        }
      }
      i++;
      continue;
    }
    if (c === 0x5c /* \ */) {
      const command = /^\\\S{0,31}/.exec(text.slice(i, i + 32))?.[0] ?? "\\";
      metaCommands.push({ command, offset: i, line: lines.lineAt(i) });
      i = endOfLine(text, i);
      continue;
    }
    if (start < 0) start = i;

    if (c === 0x27 /* ' */) {
      i = skipQuoted(text, i, "'", false);
    } else if (c === 0x22 /* " */) {
      i = skipQuoted(text, i, '"', false);
    } else if (c === 0x24 /* $ */) {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(text)?.[0];
      if (tag) {
        const close = text.indexOf(tag, i + tag.length);
        i = close < 0 ? text.length : close + tag.length;
      } else {
        i++;
        while (i < text.length && isDigit(text.charCodeAt(i))) i++;
      }
    } else if (isWordStart(c)) {
      let end = i + 1;
      while (end < text.length && isWordPart(text.charCodeAt(end))) end++;
      const word = text.slice(i, end);
      if ((word === "E" || word === "e") && text[end] === "'") {
        i = skipQuoted(text, end, "'", true);
      } else {
        onWord(word.toLowerCase());
        i = end;
      }
    } else if (isDigit(c)) {
      i++;
      while (i < text.length && /[0-9A-Za-z_.]/.test(text[i] ?? "")) i++;
    } else {
      if (c === 0x28 /* ( */) parenDepth++;
      else if (c === 0x29 /* ) */ && parenDepth > 0) parenDepth--;
      i++;
    }
  }
  finish(text.length);
  return { statements, metaCommands };
}

/**
 * The 1-based line, within `text`, of a server error `position`: a 1-based count of
 * characters (code points) into the query text that was sent.
 */
export function lineAtPosition(text: string, position: number): number {
  let line = 1;
  let characters = 0;
  for (let i = 0; i < text.length && characters < position - 1; characters++) {
    const code = text.codePointAt(i) ?? 0;
    if (code === 0x0a) line++;
    i += code > 0xffff ? 2 : 1;
  }
  return line;
}
