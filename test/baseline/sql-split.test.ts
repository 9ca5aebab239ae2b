import { describe, expect, it } from "vitest";
import { lineAtPosition, splitSql } from "../../shared/baseline/sql-split.ts";

function texts(sql: string): string[] {
  return splitSql(sql).statements.map((statement) => statement.text);
}

describe("splitSql", () => {
  it("splits on top-level semicolons and trims each statement", () => {
    expect(texts("SELECT 1;  SELECT 2 ;\n\nSELECT 3")).toEqual([
      "SELECT 1",
      "SELECT 2",
      "SELECT 3",
    ]);
  });

  it("returns nothing for empty statements, whitespace and comments", () => {
    expect(texts(";;  \n-- only a comment\n/* and a block */ ;")).toEqual([]);
  });

  it("reports the offset and 1-based line of each statement's first token", () => {
    const sql = "-- header\n\nCREATE TABLE a (id int);\n  /* c */ CREATE TABLE b (\n  id int\n);";
    const statements = splitSql(sql).statements;
    expect(statements.map((s) => [s.line, s.offset])).toEqual([
      [3, 11],
      [4, sql.indexOf("CREATE TABLE b")],
    ]);
    expect(statements[1]?.text).toBe("CREATE TABLE b (\n  id int\n)");
  });

  it("keeps semicolons inside single-quoted strings with '' escapes", () => {
    expect(texts("SELECT 'a;b', 'it''s; fine';SELECT 2")).toEqual([
      "SELECT 'a;b', 'it''s; fine'",
      "SELECT 2",
    ]);
  });

  it("treats a backslash in a standard string as an ordinary character", () => {
    expect(texts("SELECT 'C:\\';SELECT 2")).toEqual(["SELECT 'C:\\'", "SELECT 2"]);
  });

  it("honours backslash escapes in E'' strings", () => {
    expect(texts("SELECT E'it\\'s; \\\\';SELECT e'x\\';y';SELECT 3")).toEqual([
      "SELECT E'it\\'s; \\\\'",
      "SELECT e'x\\';y'",
      "SELECT 3",
    ]);
  });

  it("does not take an identifier ending in e for an E'' prefix", () => {
    expect(texts("SELECT name'x\\';SELECT 2")).toEqual(["SELECT name'x\\'", "SELECT 2"]);
  });

  it("keeps semicolons inside double-quoted identifiers", () => {
    expect(texts('CREATE TABLE "a;""b" (id int);SELECT 1')).toEqual([
      'CREATE TABLE "a;""b" (id int)',
      "SELECT 1",
    ]);
  });

  it("keeps $$ and $tag$ bodies whole, including other tags inside", () => {
    const fn = `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$
BEGIN
  PERFORM $$ ; $$;
  RETURN 1;
END;
$body$`;
    expect(texts(`${fn};\nDO $$ BEGIN RAISE NOTICE 'x;'; END $$;SELECT 2`)).toEqual([
      fn,
      "DO $$ BEGIN RAISE NOTICE 'x;'; END $$",
      "SELECT 2",
    ]);
  });

  it("does not take parameters or identifiers with $ for dollar quotes", () => {
    expect(texts("PREPARE p AS SELECT $1;SELECT a$b$ FROM t;SELECT 3")).toEqual([
      "PREPARE p AS SELECT $1",
      "SELECT a$b$ FROM t",
      "SELECT 3",
    ]);
  });

  it("ignores semicolons and quotes in line comments", () => {
    expect(texts("SELECT 1 -- it's; not the end\n;SELECT 2")).toEqual([
      "SELECT 1 -- it's; not the end",
      "SELECT 2",
    ]);
  });

  it("handles nested block comments", () => {
    expect(texts("SELECT /* a /* b; */ still; ' */ 1;SELECT 2")).toEqual([
      "SELECT /* a /* b; */ still; ' */ 1",
      "SELECT 2",
    ]);
  });

  it("starts a comment inside an operator, as the server does", () => {
    expect(texts("SELECT 1 +-- x;\n2;SELECT 3")).toEqual(["SELECT 1 +-- x;\n2", "SELECT 3"]);
  });

  it("does not split inside parentheses (psql's rule)", () => {
    expect(
      texts(
        "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));SELECT 1",
      ),
    ).toEqual([
      "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))",
      "SELECT 1",
    ]);
  });

  it("keeps BEGIN ATOMIC … END function bodies whole, CASE … END included", () => {
    const fn = `CREATE OR REPLACE FUNCTION public.grade(score int) RETURNS text
LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN score > 50 THEN 'pass' ELSE 'fail' END;
  SELECT 'unreachable';
END`;
    const proc =
      "CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END";
    expect(texts(`${fn};\n${proc};\nSELECT 3`)).toEqual([fn, proc, "SELECT 3"]);
  });

  it("does not treat BEGIN outside a routine definition as a block", () => {
    expect(texts("BEGIN;CREATE TABLE t (id int);COMMIT;END")).toEqual([
      "BEGIN",
      "CREATE TABLE t (id int)",
      "COMMIT",
      "END",
    ]);
  });

  it("handles RETURN … CASE … END bodies without BEGIN ATOMIC", () => {
    expect(
      texts("CREATE FUNCTION f(a int) RETURNS int RETURN CASE WHEN a > 0 THEN 1 END;SELECT 2"),
    ).toEqual([
      "CREATE FUNCTION f(a int) RETURNS int RETURN CASE WHEN a > 0 THEN 1 END",
      "SELECT 2",
    ]);
  });

  it("records the first bare words, lower-cased", () => {
    const [first, second] = splitSql(
      "/* x */ Create Index Concurrently idx ON t (a);ROLLBACK TO SAVEPOINT s",
    ).statements;
    expect(first?.words).toEqual(["create", "index", "concurrently", "idx"]);
    expect(second?.words).toEqual(["rollback", "to", "savepoint", "s"]);
  });

  it("runs an unterminated string or comment to the end of the text", () => {
    expect(texts("SELECT 'open;\nSELECT 2;")).toEqual(["SELECT 'open;\nSELECT 2;"]);
    expect(texts("SELECT 1; /* open; SELECT 2;")).toEqual(["SELECT 1"]);
  });

  it("keeps non-ASCII identifiers and strings intact", () => {
    expect(texts("CREATE TABLE café (naïve text DEFAULT 'é;');SELECT 1")).toEqual([
      "CREATE TABLE café (naïve text DEFAULT 'é;')",
      "SELECT 1",
    ]);
  });

  it("finds psql meta-commands outside quotes, with their line", () => {
    const result = splitSql("SELECT 1;\n\\i other.sql\nSELECT '\\i not this';\n  \\set x 1\n");
    expect(result.metaCommands.map((m) => [m.command, m.line])).toEqual([
      ["\\i", 2],
      ["\\set", 4],
    ]);
  });

  it("reads the rows after COPY … FROM stdin as data up to \\., quotes included", () => {
    const result = splitSql(
      "CREATE TABLE p (name text);\nCOPY public.p (name) FROM stdin;\nO'BRIEN\r\nx;y\n\\.\r\nCREATE TABLE q ();\n",
    );
    expect(result.metaCommands.map((m) => [m.command, m.line])).toEqual([["\\.", 2]]);
    expect(result.statements.map((s) => s.text)).toEqual([
      "CREATE TABLE p (name text)",
      "COPY public.p (name) FROM stdin",
      "CREATE TABLE q ()",
    ]);
  });

  it("finds no meta-command in dollar quotes or comments", () => {
    const result = splitSql("DO $$\n\\x\n$$;\n-- \\i y\n/* \\i z */ SELECT 1");
    expect(result.metaCommands).toEqual([]);
  });
});

describe("lineAtPosition", () => {
  it("maps a 1-based character position to a 1-based line", () => {
    const text = "SELECT 1;\nSELECT\n  x;";
    expect(lineAtPosition(text, 1)).toBe(1);
    expect(lineAtPosition(text, text.indexOf("x") + 1)).toBe(3);
    expect(lineAtPosition(text, text.indexOf("\n") + 2)).toBe(2);
  });

  it("counts characters by code point, as the server does", () => {
    const text = "SELECT '😀😀';\nSELECT x";
    const codePoints = [...text];
    const newline = codePoints.indexOf("\n");
    // the first character of line 2; counted in UTF-16 units it would still be on line 1
    expect(lineAtPosition(text, newline + 2)).toBe(2);
    expect(lineAtPosition(text, newline + 1)).toBe(1);
  });
});
