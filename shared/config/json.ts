/**
 * Where JSON text goes wrong, for error messages that name a line and a column. JSON.parse
 * reports a position only for some errors (and echoes the text, secrets included, for
 * others), so the text is scanned again here when it fails to parse.
 */

export interface JsonSyntaxProblem {
  readonly line: number;
  readonly column: number;
  readonly problem: string;
}

class Problem extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

function scan(text: string): void {
  let i = 0;
  const describe = (at: number) => {
    const char = text[at];
    if (char === undefined) return "the end of the file";
    return /[\x21-\x7e]/.test(char) ? `'${char}'` : JSON.stringify(char);
  };
  const fail = (message: string, at = i): never => {
    throw new Problem(at, `${message}, found ${describe(at)}`);
  };
  const space = () => {
    while (i < text.length && " \t\n\r".includes(text[i] ?? "")) i++;
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail("unescaped control character in a string");
      if (text[i] === "\\") {
        const next = text[i + 1] ?? "";
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)))
            fail("bad \\u escape in a string");
          i += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(next) || next === "") fail("bad escape in a string", i + 1);
        i += 2;
        continue;
      }
      i++;
    }
    if (i >= text.length) fail("unterminated string");
    i++;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === "{") {
      i++;
      space();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail("expected a double-quoted property name");
        string();
        space();
        if (text[i] !== ":") fail("expected ':' after a property name");
        i++;
        value();
        space();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        fail("expected ',' or '}' after a property value");
      }
    }
    if (c === "[") {
      i++;
      space();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        fail("expected ',' or ']' after a list element");
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(i),
    );
    if (literal === null || /[\w.]/.test(text[i + literal[0].length] ?? ""))
      fail("expected a value");
    i += literal?.[0].length ?? 0;
  };
  value();
  space();
  if (i < text.length) fail("unexpected text after the JSON value");
}

/** The first syntax problem in `text`, or null when it is valid JSON. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | null {
  try {
    scan(text);
    return null;
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    const before = text.slice(0, error.offset).split("\n");
    return {
      line: before.length,
      column: (before[before.length - 1]?.length ?? 0) + 1,
      problem: error.message,
    };
  }
}
