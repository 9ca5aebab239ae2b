import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { MigrationSourceError } from "../errors.ts";

/**
 * The Flyway settings that change what a migration run does to a fresh database, read from the
 * project's Flyway configuration file: `flyway.conf` (Java properties, `flyway.schemas=app,audit`)
 * or `flyway.toml` (Flyway 10+, `[flyway]` and `[environments.<name>]` tables).
 *
 * Only these settings are read; the rest of the file (URL, credentials, locations, …) is not
 * pgdrift's business. `${env.NAME}`-style values are not expanded: a setting using one is
 * refused, naming the file and line.
 */
export interface FlywaySettings {
  /** `flyway.defaultSchema`. */
  readonly defaultSchema?: string;
  /** `flyway.schemas` (comma-separated in `.conf`, an array in `.toml`). */
  readonly schemas?: readonly string[];
  /** `flyway.createSchemas` (Flyway's default: true). */
  readonly createSchemas?: boolean;
  /** `flyway.placeholders.NAME`. */
  readonly placeholders?: Readonly<Record<string, string>>;
  /** `flyway.placeholderReplacement`. */
  readonly placeholderReplacement?: boolean;
}

export interface FlywayConfigFile {
  readonly path: string;
  readonly settings: FlywaySettings;
}

export const FLYWAY_CONFIG_NAMES = ["flyway.conf", "flyway.toml"] as const;

interface Mutable {
  defaultSchema?: string;
  schemas?: string[];
  createSchemas?: boolean;
  placeholders?: Record<string, string>;
  placeholderReplacement?: boolean;
}

function problem(path: string, line: number, text: string): MigrationSourceError {
  return new MigrationSourceError(path, `Flyway configuration ${path} line ${line}: ${text}`);
}

function boolean(path: string, line: number, key: string, value: string): boolean {
  const lower = value.trim().toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw problem(path, line, `${key} is "${value}": expected true or false`);
}

function noExpansion(path: string, line: number, key: string, value: string): string {
  if (/\$\{[^}]*\}/.test(value)) {
    throw problem(
      path,
      line,
      `${key} = ${value} uses a value Flyway expands when it runs, which pgdrift does not: write the value itself`,
    );
  }
  return value;
}

function schemaList(path: string, line: number, key: string, values: readonly string[]): string[] {
  const list = values.map((v) => noExpansion(path, line, key, v.trim())).filter((v) => v !== "");
  return list;
}

/** Applies one `flyway.*` setting (the key without `flyway.`). */
function apply(
  out: Mutable,
  path: string,
  line: number,
  key: string,
  value: string | readonly string[] | boolean,
): void {
  const text = (v: typeof value): string => (Array.isArray(v) ? v.join(",") : String(v));
  if (key === "defaultSchema") {
    const schema = noExpansion(path, line, `flyway.${key}`, text(value).trim());
    if (schema !== "") out.defaultSchema = schema;
  } else if (key === "schemas") {
    const items = Array.isArray(value) ? value : text(value).split(",");
    out.schemas = schemaList(path, line, `flyway.${key}`, items);
  } else if (key === "createSchemas") {
    out.createSchemas =
      typeof value === "boolean" ? value : boolean(path, line, `flyway.${key}`, text(value));
  } else if (key === "placeholderReplacement") {
    out.placeholderReplacement =
      typeof value === "boolean" ? value : boolean(path, line, `flyway.${key}`, text(value));
  } else if (key.startsWith("placeholders.") && key.length > "placeholders.".length) {
    out.placeholders = { ...out.placeholders, [key.slice("placeholders.".length)]: text(value) };
  }
}

/** Java properties: `key=value`, `key: value` or `key value`; `#`/`!` comments; `\` continues a line. */
export function parseFlywayConf(path: string, content: string): FlywaySettings {
  const out: Mutable = {};
  const lines = content.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let logical = (lines[i] ?? "").replace(/^[ \t\f]+/, "");
    if (logical === "" || logical.startsWith("#") || logical.startsWith("!")) continue;
    while (/(?:^|[^\\])(?:\\\\)*\\$/.test(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + (lines[++i] ?? "").replace(/^[ \t\f]+/, "");
    }
    const match = /^((?:\\.|[^\\=:\s])*)\s*[=:\s]\s*(.*)$/s.exec(logical);
    const rawKey = match ? (match[1] ?? "") : logical;
    const rawValue = match ? (match[2] ?? "") : "";
    const unescapeJava = (s: string) =>
      s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) =>
        c.length === 5
          ? String.fromCharCode(Number.parseInt(c.slice(1), 16))
          : (({ t: "\t", n: "\n", r: "\r", f: "\f" } as Record<string, string>)[c] ?? c),
      );
    const key = unescapeJava(rawKey);
    if (!key.startsWith("flyway.")) continue;
    apply(out, path, first, key.slice("flyway.".length), unescapeJava(rawValue).trimEnd());
  }
  return out;
}

type TomlValue = string | boolean | readonly string[] | null;

/** One TOML value at `text[pos]`: a string, a boolean, an array of strings; null for the rest. */
function tomlValue(text: string): { value: TomlValue; ok: boolean } {
  const s = text.trim();
  const str = /^"((?:[^"\\]|\\.)*)"|^'([^']*)'/.exec(s);
  if (str) {
    const value =
      str[2] ??
      (str[1] ?? "").replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, c: string) =>
        c.length > 1
          ? String.fromCodePoint(Number.parseInt(c.slice(1), 16))
          : (({ t: "\t", n: "\n", r: "\r", f: "\f", b: "\b" } as Record<string, string>)[c] ?? c),
      );
    return { value, ok: /^\s*(?:#.*)?$/.test(s.slice(str[0].length)) };
  }
  if (/^(?:true|false)\s*(?:#.*)?$/.test(s)) return { value: s.startsWith("true"), ok: true };
  if (s.startsWith("[")) {
    const items: string[] = [];
    let rest = s.slice(1);
    for (;;) {
      rest = rest.replace(/^(?:\s|,|#[^\n]*)+/, "");
      if (rest.startsWith("]")) return { value: items, ok: true };
      const item = /^"((?:[^"\\]|\\.)*)"|^'([^']*)'/.exec(rest);
      if (!item) return { value: null, ok: false };
      items.push(item[2] ?? (item[1] ?? "").replace(/\\(.)/g, "$1"));
      rest = rest.slice(item[0].length);
    }
  }
  return { value: null, ok: true };
}

function tomlKey(raw: string): string[] {
  return [...raw.matchAll(/\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/g)].map(
    (m) => m[1] ?? m[2] ?? m[3] ?? "",
  );
}

/** Brackets still open in `text` (strings and comments skipped), for arrays spanning lines. */
function openBrackets(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "#") {
      const end = text.indexOf("\n", i);
      if (end === -1) break;
      i = end;
    } else if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (c === '"' && text[i] === "\\") i++;
    } else if (c === "[") depth++;
    else if (c === "]") depth--;
  }
  return depth;
}

/**
 * The subset of TOML Flyway's settings use: `[table]` headers, `key = "string"`, `'literal'`,
 * booleans and arrays of strings (over several lines too). Settings are read from `[flyway]`
 * (and `[flyway.placeholders]`) and from the selected environment (`[environments.NAME]`,
 * NAME from `flyway.environment`, default `default`), which wins.
 */
export function parseFlywayToml(path: string, content: string): FlywaySettings {
  const flyway: { line: number; key: string; value: TomlValue }[] = [];
  const environments = new Map<string, { line: number; key: string; value: TomlValue }[]>();
  let table: string[] = [];
  const lines = content.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const text = (lines[i] ?? "").trim();
    if (text === "" || text.startsWith("#")) continue;
    if (text.startsWith("[[")) {
      table = ["(array)"];
      continue;
    }
    if (text.startsWith("[")) {
      table = tomlKey(text.slice(1, text.lastIndexOf("]")));
      continue;
    }
    const eq = /^((?:"(?:[^"\\]|\\.)*"|'[^']*'|[^=])+)=(.*)$/.exec(text);
    if (!eq) continue;
    let valueText = eq[2] ?? "";
    if (valueText.trim().startsWith('"""') || valueText.trim().startsWith("'''")) {
      const quote = valueText.trim().slice(0, 3);
      if (valueText.trim().slice(3).includes(quote)) continue;
      while (i + 1 < lines.length && !(lines[++i] ?? "").includes(quote));
      continue;
    }
    while (openBrackets(valueText) > 0 && i + 1 < lines.length) valueText += `\n${lines[++i]}`;
    const key = [...table, ...tomlKey(eq[1] ?? "")];
    const { value, ok } = tomlValue(valueText);
    const setting = key.slice(key[0] === "flyway" ? 1 : 2).join(".");
    const relevant =
      /^(?:defaultSchema|schemas|createSchemas|placeholderReplacement|environment)$/.test(
        setting,
      ) || setting.startsWith("placeholders.");
    if (key[0] === "flyway" && relevant) {
      if (!ok) throw problem(path, line, `cannot read the value of flyway.${setting}`);
      flyway.push({ line, key: setting, value });
    } else if (key[0] === "environments" && key.length > 2 && relevant) {
      if (!ok) throw problem(path, line, `cannot read the value of ${key.join(".")}`);
      const name = key[1] ?? "";
      environments.set(name, [...(environments.get(name) ?? []), { line, key: setting, value }]);
    }
  }
  const selected = flyway.find((s) => s.key === "environment")?.value;
  const environment = typeof selected === "string" ? selected : "default";
  const out: Mutable = {};
  for (const s of [...flyway, ...(environments.get(environment) ?? [])]) {
    if (s.key === "environment" || s.value === null) continue;
    apply(out, path, s.line, s.key, s.value);
  }
  return out;
}

/** Reads one Flyway configuration file (`.toml` as TOML, anything else as properties). */
export async function readFlywayConfig(path: string): Promise<FlywayConfigFile> {
  let content: string;
  try {
    content = await readFile(path, "utf8");
  } catch (cause) {
    const code = (cause as { code?: unknown } | null)?.code;
    const why = code === "ENOENT" ? "it does not exist" : (cause as Error).message;
    throw new MigrationSourceError(path, `Flyway configuration ${path} cannot be read: ${why}`, {
      cause,
    });
  }
  const settings = path.endsWith(".toml")
    ? parseFlywayToml(path, content)
    : parseFlywayConf(path, content);
  return { path, settings };
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * The Flyway configuration files of the project: in the migrations folder or the nearest folder
 * above it holding `flyway.conf` or `flyway.toml` (both are read when both are there, the TOML
 * file's values winning), looking no higher than the repository's root (the folder with `.git`).
 */
export async function findFlywayConfig(dir: string): Promise<FlywayConfigFile[]> {
  let current = resolve(dir);
  for (;;) {
    const found: string[] = [];
    for (const name of FLYWAY_CONFIG_NAMES) {
      if (await isFile(join(current, name))) found.push(join(current, name));
    }
    if (found.length > 0) return Promise.all(found.map(readFlywayConfig));
    const parent = dirname(current);
    if (parent === current || (await exists(join(current, ".git")))) return [];
    current = parent;
  }
}

/** The settings of several files, later ones winning key by key (placeholders merged). */
export function mergeFlywaySettings(files: readonly FlywayConfigFile[]): FlywaySettings {
  const out: Mutable = {};
  for (const { settings } of files) {
    const { placeholders, ...rest } = settings;
    Object.assign(out, rest);
    if (placeholders) out.placeholders = { ...out.placeholders, ...placeholders };
  }
  return out;
}
