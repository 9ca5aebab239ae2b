/**
 * Flyway's own arithmetic on file names and contents: version ordering, the checksum it stores
 * in `flyway_schema_history.checksum`, and placeholder replacement. Each follows Flyway's source
 * (MigrationVersion, ChecksumCalculator, PlaceholderReplacingReader), quirks included, so the
 * values match what Flyway writes.
 */

// ---------------------------------------------------------------------------------------------
// Versions

export interface FlywayVersion {
  /** As Flyway shows and stores it: underscores read as dots, leading zeros kept (`1.01`). */
  readonly text: string;
  /** Numeric parts, trailing zero parts removed (`1.0` is `1`). */
  readonly parts: readonly bigint[];
}

/** `1_1` → 1.1; null when not dot/underscore-separated digits. */
export function parseFlywayVersion(raw: string): FlywayVersion | null {
  const text = raw.replaceAll("_", ".");
  if (!/^\d+(?:\.\d+)*$/.test(text)) return null;
  const parts = text.split(".").map((part) => BigInt(part));
  while (parts.length > 1 && parts[parts.length - 1] === 0n) parts.pop();
  return { text, parts };
}

/** Flyway's order: part by part, numerically, a missing part counting as 0 (`1.9` < `1.10`). */
export function compareFlywayVersions(a: FlywayVersion, b: FlywayVersion): number {
  const length = Math.max(a.parts.length, b.parts.length);
  for (let i = 0; i < length; i++) {
    const x = a.parts[i] ?? 0n;
    const y = b.parts[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Java's `String.compareTo`: UTF-16 code units, which is also JavaScript's `<`. */
export function compareJavaStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Checksum

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE, as `java.util.zip.CRC32`), unsigned. */
export function crc32(bytes: Uint8Array): number {
  let crc = -1;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/**
 * The checksum Flyway stores for a SQL file: its text is read line by line with
 * `BufferedReader.readLine()` (which ends a line at `\n`, `\r` or `\r\n` and drops the
 * terminator), a byte order mark is removed from the first line, and the CRC-32 is updated with
 * each line's UTF-8 bytes; the result is cast to a Java `int`. Concatenating the lines without
 * terminators is the text with every CR and LF removed. So line endings do not change the
 * checksum, and neither do blank lines; trailing spaces, tabs and any other character do.
 */
export function flywayChecksum(text: string): number {
  const withoutBom = text.startsWith("\uFEFF") ? text.slice(1) : text;
  return crc32(Buffer.from(withoutBom.replace(/[\r\n]/g, ""), "utf8")) | 0;
}

// ---------------------------------------------------------------------------------------------
// Placeholders

export interface PlaceholderProblem {
  /** The placeholder as written, `${name}`. */
  readonly placeholder: string;
  readonly name: string;
  /** 1-based line of its `${`. */
  readonly line: number;
  /** No closing `}` before the end of the file. */
  readonly unterminated: boolean;
}

export type PlaceholderResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly problem: PlaceholderProblem };

/**
 * Replaces `${name}` as Flyway's PlaceholderReplacingReader does: everywhere in the text
 * (comments and strings included), values inserted as they are (never scanned again), and
 * after a `$` that does not start `${` the next character is passed through unexamined — so
 * `$${x}` is left alone. A name without a value is an error, as in Flyway.
 */
export function replacePlaceholders(
  text: string,
  values: ReadonlyMap<string, string>,
): PlaceholderResult {
  let out = "";
  let line = 1;
  let pos = 0;
  while (pos < text.length) {
    const char = text[pos] as string;
    if (char !== "$") {
      if (char === "\n") line++;
      out += char;
      pos++;
      continue;
    }
    const next = text[pos + 1];
    if (next !== "{") {
      out += next === undefined ? char : char + next;
      if (next === "\n") line++;
      pos += 2;
      continue;
    }
    const close = text.indexOf("}", pos + 2);
    const name = close === -1 ? text.slice(pos + 2, -1) : text.slice(pos + 2, close);
    const value = close === -1 ? undefined : values.get(name);
    if (value === undefined) {
      return {
        ok: false,
        problem: { placeholder: `\${${name}}`, name, line, unterminated: close === -1 },
      };
    }
    for (const c of text.slice(pos, close)) if (c === "\n") line++;
    out += value;
    pos = close + 1;
  }
  return { ok: true, text: out };
}

/** `${flyway:timestamp}`: `yyyy-MM-dd HH:mm:ss` in the local time zone, as the JVM formats it. */
export function flywayTimestamp(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
}
