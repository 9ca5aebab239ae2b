import { type ParseArgsConfig, parseArgs } from "node:util";
import { SEVERITIES, type Severity } from "../shared/diff/finding.ts";
import { REPORT_FORMATS, type ReportFormat } from "../shared/report/render.ts";
import { CliError } from "./errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | undefined>;
  readonly positionals: string[];
}

/**
 * `util.parseArgs` in strict mode, with its errors turned into one line that names the flag
 * and the command: `unknown option --foo for pgdrift audit (see pgdrift audit --help)`.
 */
export function parseCommandArgs(
  command: string,
  argv: readonly string[],
  options: Options,
  positionals = 0,
): Parsed {
  const help = `see pgdrift ${command} --help`;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { help: { type: "boolean", short: "h" }, ...options },
      strict: true,
      allowPositionals: positionals > 0,
    });
  } catch (error) {
    const e = error as Error & { code?: string };
    const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? "";
    switch (e.code) {
      case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
        throw new CliError(`unknown option ${quoted} for pgdrift ${command} (${help})`);
      case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
        const flag = quoted.split(" ")[0] ?? quoted;
        throw new CliError(
          /argument missing/.test(e.message)
            ? `${flag} needs a value (${help})`
            : `${flag} does not take a value (${help})`,
        );
      }
      case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
        throw new CliError(`unexpected argument ${quoted} for pgdrift ${command} (${help})`);
      default:
        throw new CliError(`${e.message} (${help})`);
    }
  }
  const values = parsed.values as Parsed["values"];
  if (!values.help && parsed.positionals.length > positionals) {
    const extra = parsed.positionals[positionals];
    throw new CliError(`unexpected argument ${extra} for pgdrift ${command} (${help})`);
  }
  return { values, positionals: parsed.positionals };
}

export function stringValue(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === "string" ? value : undefined;
}

export function listValue(parsed: Parsed, name: string): string[] {
  const value = parsed.values[name];
  return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
}

export function requireValue(parsed: Parsed, name: string, command: string): string {
  const value = stringValue(parsed, name);
  if (value === undefined || value === "") {
    throw new CliError(`pgdrift ${command} needs --${name} (see pgdrift ${command} --help)`);
  }
  return value;
}

/** `--schemas a,b` → `["a", "b"]`. */
export function schemasValue(parsed: Parsed): string[] | undefined {
  const value = stringValue(parsed, "schemas");
  if (value === undefined) return undefined;
  const schemas = value
    .split(",")
    .map((schema) => schema.trim())
    .filter((schema) => schema !== "");
  if (schemas.length === 0)
    throw new CliError("--schemas needs at least one schema name, e.g. --schemas public,billing");
  return schemas;
}

export function formatValue(parsed: Parsed): ReportFormat {
  const value = stringValue(parsed, "format") ?? "text";
  if (!(REPORT_FORMATS as readonly string[]).includes(value)) {
    throw new CliError(`--format ${value} is not supported: use ${REPORT_FORMATS.join(", ")}`);
  }
  return value as ReportFormat;
}

export const FAIL_ON_VALUES = [...SEVERITIES, "none"] as const;
export type FailOn = Severity | "none";

export function parseFailOn(value: string, where: string): FailOn {
  if (!(FAIL_ON_VALUES as readonly string[]).includes(value)) {
    throw new CliError(`${where} ${value} is not a severity: use ${FAIL_ON_VALUES.join(", ")}`);
  }
  return value as FailOn;
}
