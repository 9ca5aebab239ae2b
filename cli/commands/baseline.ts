import { buildBaseline } from "../../shared/baseline/build.ts";
import { DEFAULT_PG_MAJOR } from "../../shared/baseline/embedded.ts";
import type { ScratchSpec } from "../../shared/baseline/scratch.ts";
import { isMigrationFormatOption, MIGRATION_FORMATS } from "../../shared/baseline/sources/index.ts";
import { serializeSnapshot } from "../../shared/snapshot/snapshot.ts";
import { listValue, parseCommandArgs, requireValue, schemasValue, stringValue } from "../args.ts";
import { commitDates } from "../commit-dates.ts";
import { databaseTarget } from "../connect.ts";
import { CliError } from "../errors.ts";
import { BASELINE_COMMANDS_HELP, BASELINE_HELP } from "../help.ts";
import { type Log, writeUserFile } from "../io.ts";
import { runBaselinePublish } from "./baseline-publish.ts";

/** `--pg-version 16` → 16; anything else is a one-line error naming the flag. */
export function parseMajor(value: string, flag: string): number {
  if (!/^\d{2}$/.test(value)) {
    throw new CliError(`${flag} ${value} is not a PostgreSQL major version: use e.g. ${flag} 17`);
  }
  return Number(value);
}

export function scratchSpec(
  pgVersion: string | undefined,
  scratchUrl: string | undefined,
): ScratchSpec {
  if (pgVersion !== undefined && scratchUrl !== undefined) {
    throw new CliError(
      "--pg-version and --scratch-url exclude each other: the scratch server's version is its own",
    );
  }
  if (scratchUrl !== undefined) {
    databaseTarget(scratchUrl, "--scratch-url");
    return { kind: "server", url: scratchUrl };
  }
  return {
    kind: "embedded",
    major: pgVersion === undefined ? DEFAULT_PG_MAJOR : parseMajor(pgVersion, "--pg-version"),
  };
}

/** `--placeholder flyway:user=app --placeholder tenant=acme` → `{ "flyway:user": "app", tenant: "acme" }`. */
export function placeholderValues(values: unknown): Record<string, string> | undefined {
  if (!Array.isArray(values) || values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const value of values.map(String)) {
    const eq = value.indexOf("=");
    if (eq <= 0) {
      throw new CliError(
        `--placeholder ${value} is not NAME=VALUE: use e.g. --placeholder flyway:user=app`,
      );
    }
    out[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return out;
}

/** `--checkpoints 3` → 3: how many versions, the head included, get a snapshot. */
export function checkpointCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1) {
    throw new CliError(
      `--checkpoints ${value} is not a count of migration versions: use e.g. --checkpoints 3`,
    );
  }
  return Number(value);
}

export async function baselineCommand(argv: readonly string[], log: Log): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    process[sub === undefined ? "stderr" : "stdout"].write(BASELINE_COMMANDS_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub === "publish") return runBaselinePublish(rest, log);
  if (sub !== "build") {
    throw new CliError(
      `unknown command baseline ${sub}: use pgdrift baseline build or pgdrift baseline publish (see pgdrift baseline --help)`,
    );
  }
  const args = parseCommandArgs("baseline build", rest, {
    migrations: { type: "string" },
    format: { type: "string" },
    "pg-version": { type: "string" },
    "scratch-url": { type: "string" },
    schemas: { type: "string" },
    out: { type: "string" },
    placeholder: { type: "string", multiple: true },
    "flyway-config": { type: "string" },
    checkpoints: { type: "string" },
    setup: { type: "string", multiple: true },
  });
  if (args.values.help) {
    process.stdout.write(BASELINE_HELP);
    return 0;
  }
  const migrationsDir = requireValue(args, "migrations", "baseline build");
  const out = requireValue(args, "out", "baseline build");
  const format = stringValue(args, "format") ?? "auto";
  if (!isMigrationFormatOption(format)) {
    throw new CliError(
      `--format ${format} is not a migration format: use auto, ${MIGRATION_FORMATS.join(", ")}`,
    );
  }
  const scratch = scratchSpec(stringValue(args, "pg-version"), stringValue(args, "scratch-url"));
  const schemas = schemasValue(args);
  const placeholders = placeholderValues(args.values.placeholder);
  const dates = await commitDates(migrationsDir);
  const checkpoints = checkpointCount(stringValue(args, "checkpoints"));
  const flywayConfig = stringValue(args, "flyway-config");
  const setupFiles = listValue(args, "setup");
  if (setupFiles.includes("")) {
    throw new CliError("--setup needs a SQL file path, e.g. --setup db/setup.sql");
  }
  const snapshot = await buildBaseline({
    migrationsDir,
    format,
    scratch,
    ...(flywayConfig === undefined ? {} : { flywayConfig }),
    ...(schemas ? { schemas } : {}),
    ...(placeholders ? { placeholders } : {}),
    commitDates: dates,
    ...(checkpoints === undefined ? {} : { checkpoints }),
    ...(setupFiles.length > 0 ? { setupFiles, setupOrigin: "--setup" } : {}),
    createdAt: new Date().toISOString(),
    log,
  });
  await writeUserFile(out, serializeSnapshot(snapshot), "the baseline");
  const count = snapshot.source.kind === "migrations" ? snapshot.source.migrations.length : 0;
  const stored = snapshot.checkpoints?.map((c) => c.version) ?? [];
  if (stored.length > 0) log(`checkpoints stored at version(s) ${stored.join(", ")}`);
  log(
    `baseline written to ${out}: ${count} migration(s), PostgreSQL ${snapshot.source.serverVersion}, ${snapshot.digest.slice(0, 19)}`,
  );
  return 0;
}
