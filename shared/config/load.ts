import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { ConfigError } from "./errors.ts";
import { findJsonSyntaxProblem } from "./json.ts";
import {
  ConfigObjectSchema,
  type IgnoreRuleConfig,
  KNOWN_KEYS,
  type PgdriftConfig,
} from "./schema.ts";

export interface LoadedConfig {
  readonly config: PgdriftConfig;
  /** Problems that do not stop a run (a password in the file, …), one line each, for the caller to show. */
  readonly warnings: string[];
}

type Path = readonly PropertyKey[];

/** `environments[1].name` */
export function formatKeyPath(path: Path): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

function valueAt(data: unknown, path: Path): unknown {
  let value = data;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/** Hides the password of any `scheme://user:password@host` in a text shown to people. */
export function redactUrls(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, "$1***@");
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    // A value that may carry credentials is never echoed, not even in part.
    if (/:\/\/[^\s]*@|password/i.test(value)) return "a value with credentials (not shown)";
    const redacted = redactUrls(value);
    return JSON.stringify(redacted.length > 60 ? `${redacted.slice(0, 57)}…` : redacted);
  }
  return String(value);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

function unknownKeyHint(objectPath: Path, key: string): string {
  const known = KNOWN_KEYS[typeof objectPath[0] === "string" ? objectPath[0] : ""] ?? [];
  const close = known
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .filter(({ d }) => d <= 2)
    .sort((x, y) => x.d - y.d)[0];
  if (close) return ` (did you mean "${close.k}"?)`;
  return known.length > 0 ? ` (expected one of: ${known.join(", ")})` : "";
}

function issueError(origin: string, data: unknown, issue: z.core.$ZodIssue): ConfigError {
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    const where = issue.path.length === 0 ? "at the top level" : `in ${formatKeyPath(issue.path)}`;
    return new ConfigError(
      origin,
      formatKeyPath([...issue.path, key]),
      `${origin}: unknown key "${key}" ${where}${unknownKeyHint(issue.path, key)}`,
    );
  }
  const key = formatKeyPath(issue.path);
  const value = valueAt(data, issue.path);
  const complete = issue.code === "custom" && issue.params?.complete === true;
  let detail: string;
  if (complete) detail = issue.message;
  else if (value === undefined) detail = `missing; ${issue.message}`;
  else detail = `${issue.message}, got ${describeValue(value)}`;
  const where = key === "" ? "" : `${key}: `;
  return new ConfigError(origin, key === "" ? undefined : key, `${origin}: ${where}${detail}`);
}

/**
 * Parses and validates the text of a config file. `origin` names the file in messages.
 * Throws ConfigError with a one-line message naming the file, the key path and what was
 * expected.
 */
export function parseConfig(text: string, origin: string): PgdriftConfig {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (cause) {
    const problem = findJsonSyntaxProblem(source);
    const where = problem
      ? ` at line ${problem.line}, column ${problem.column}: ${problem.problem}`
      : "";
    throw new ConfigError(origin, undefined, `${origin}: invalid JSON${where}`, { cause });
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError(
      origin,
      undefined,
      `${origin}: expected a JSON object at the top level, got ${describeValue(data)}`,
    );
  }
  const result = ConfigObjectSchema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues.find((i) => i.code === "unrecognized_keys") ?? issues[0];
  if (first === undefined) throw new ConfigError(origin, undefined, `${origin}: invalid config`);
  throw issueError(origin, data, first);
}

function hasPassword(url: string): boolean {
  try {
    if (new URL(url).password !== "") return true;
  } catch {
    // not a URL: may be a libpq key=value string
  }
  return /(^|[\s?&])password\s*=/i.test(url);
}

/** Warnings about a valid config: passwords written into the file. Never repeats the secret. */
export function configWarnings(config: PgdriftConfig, origin: string): string[] {
  const warnings: string[] = [];
  config.environments?.forEach((env, index) => {
    if (env.url !== undefined && hasPassword(env.url)) {
      warnings.push(
        `${origin}: environments[${index}].url contains a password; keep secrets out of the file: set "urlEnv" to the name of an environment variable holding the URL`,
      );
    }
  });
  return warnings;
}

/** Reads and validates a config file. */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : String((cause as Error).message);
    throw new ConfigError(file, undefined, `${file}: cannot read the config file: ${reason}`, {
      cause,
    });
  }
  const config = parseConfig(text, file);
  return { config, warnings: configWarnings(config, file) };
}

/**
 * Parses a file of ignore rules (`--ignore-file`): a JSON list of rules, or an object with an
 * `ignore` list (a pgdrift.config.json works too). Rules are validated as in the config;
 * errors name the file and the rule's index.
 */
export function parseIgnoreFile(text: string, origin: string): IgnoreRuleConfig[] {
  let data: unknown;
  try {
    data = JSON.parse(text.startsWith("\uFEFF") ? text.slice(1) : text);
  } catch {
    return parseConfig(text, origin).ignore ?? [];
  }
  if (Array.isArray(data))
    return parseConfig(JSON.stringify({ ignore: data }), origin).ignore ?? [];
  return parseConfig(text, origin).ignore ?? [];
}

/** Reads and validates a file of ignore rules. */
export async function loadIgnoreFile(file: string): Promise<IgnoreRuleConfig[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : String((cause as Error).message);
    throw new ConfigError(file, undefined, `${file}: cannot read the ignore file: ${reason}`, {
      cause,
    });
  }
  return parseIgnoreFile(text, file);
}
