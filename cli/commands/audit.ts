import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  BaselineStoreError,
  loadBaselineObject,
  loadBaseline as loadStoredBaseline,
  parseS3Uri,
} from "../../shared/aws/baseline-store.ts";
import { buildBaseline } from "../../shared/baseline/build.ts";
import { DEFAULT_PG_MAJOR } from "../../shared/baseline/embedded.ts";
import { loadConfig, loadIgnoreFile } from "../../shared/config/load.ts";
import { scrubSecrets } from "../../shared/introspect/connection-errors.ts";
import type { DiffOptions } from "../../shared/report/audit.ts";
import { historyOptions } from "../../shared/report/history.ts";
import { renderReport } from "../../shared/report/render.ts";
import type { Snapshot } from "../../shared/snapshot/model.ts";
import {
  type FailOn,
  formatValue,
  listValue,
  parseCommandArgs,
  parseFailOn,
  stringValue,
} from "../args.ts";
import { awsFailure, createS3Client } from "../aws.ts";
import { commitDates } from "../commit-dates.ts";
import { databaseTarget } from "../connect.ts";
import { CliError } from "../errors.ts";
import { AUDIT_HELP } from "../help.ts";
import { type Log, useColor, writeOutput } from "../io.ts";
import { type AuditTarget, exitCodeFor, runAudit } from "../run-audit.ts";
import { readSnapshotFile } from "./snapshot.ts";

export const DEFAULT_CONFIG = "pgdrift.config.json";

type Config = Awaited<ReturnType<typeof loadConfig>>["config"];

/** An environment name: what `--env NAME=URL`, the config and `invoke --env` accept. */
export const ENV_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** What the command uses from outside; tests pass a mocked S3 client. */
export interface AuditDependencies {
  readonly s3?: S3Client;
}

/** `--env staging=postgres://…` → `{ name, url }`; a bad spec is named without its password. */
export function parseEnvSpec(spec: string): { name: string; url: string } {
  const at = spec.indexOf("=");
  const name = at < 0 ? "" : spec.slice(0, at);
  if (at < 0 || !ENV_NAME.test(name)) {
    throw new CliError(
      `--env ${scrubSecrets(spec)}: expected NAME=URL, e.g. --env staging=postgres://user:password@host:5432/db`,
    );
  }
  const url = spec.slice(at + 1);
  databaseTarget(url, `--env ${name}`);
  return { name, url };
}

/** Paths in the config are relative to the config file's folder. */
function fromConfig(configPath: string, path: string): string {
  if (isAbsolute(path)) return path;
  const resolved = join(dirname(configPath), path);
  return relative(process.cwd(), resolved) || ".";
}

/**
 * An `s3://` baseline: `s3://bucket[/prefix]` reads the `current` pointer there;
 * `…/baselines/sha256-<hex>.json` is that baseline, pinned; any other `….json` key is read as a
 * plain snapshot object. Each is checked against its digest before it is used.
 */
async function loadS3Baseline(
  uri: string,
  where: string,
  deps: AuditDependencies,
  log: Log,
): Promise<{ snapshot: Snapshot; location: string }> {
  let bucket: string;
  try {
    bucket = parseS3Uri(uri).bucket;
  } catch (error) {
    if (error instanceof BaselineStoreError) throw new CliError(`${where}: ${error.message}`);
    throw error;
  }
  const path = /^s3:\/\/[^/]*\/(.*)$/i.exec(uri)?.[1] ?? "";
  const pinned = /^(.*?)baselines\/sha256-([0-9a-f]{64})\.json$/.exec(path);
  const pointer = /^(.*?)baselines\/current\.json$/.exec(path);
  log(`loading the baseline from ${uri}…`);
  const s3 = deps.s3 ?? (await createS3Client(undefined));
  try {
    if (path.endsWith(".json") && !pinned && !pointer) {
      const snapshot = await loadBaselineObject(s3, bucket, path);
      return { snapshot, location: `s3://${bucket}/${path}` };
    }
    const location = { bucket, prefix: pinned?.[1] ?? pointer?.[1] ?? path };
    const loaded = await loadStoredBaseline(
      s3,
      location,
      pinned ? { pin: `sha256:${pinned[2]}` } : {},
    );
    log(`baseline: s3://${bucket}/${loaded.key}`);
    return { snapshot: loaded.snapshot, location: `s3://${bucket}/${loaded.key}` };
  } catch (error) {
    // The store turns every S3 or SDK failure into a BaselineStoreError; anything else is a bug.
    if (error instanceof BaselineStoreError) {
      throw awsFailure(error, `${where} ${uri}`, { regionFlag: false });
    }
    throw error;
  }
}

async function loadBaseline(
  flag: string | undefined,
  config: Config | undefined,
  configPath: string | undefined,
  log: Log,
  deps: AuditDependencies,
): Promise<{ snapshot: Snapshot; location: string }> {
  const fromFlag = flag !== undefined;
  const where = fromFlag ? "--baseline" : `baseline in ${configPath}`;
  const given = flag ?? config?.baseline;
  if (given !== undefined && /^s3:\/\//i.test(given)) {
    return loadS3Baseline(given, where, deps, log);
  }
  const path =
    flag ??
    (config?.baseline !== undefined && configPath
      ? fromConfig(configPath, config.baseline)
      : undefined);
  if (path !== undefined) {
    return { snapshot: await readSnapshotFile(path, "baseline file"), location: path };
  }
  if (config?.migrations && configPath) {
    const dir = fromConfig(configPath, config.migrations.dir);
    const major = config.pgVersion ?? DEFAULT_PG_MAJOR;
    const setup = config.migrations.setup;
    const setupFiles = (setup === undefined ? [] : typeof setup === "string" ? [setup] : setup).map(
      (file) => fromConfig(configPath, file),
    );
    log(`no baseline file: building one from ${dir} on embedded PostgreSQL ${major}…`);
    const snapshot = await buildBaseline({
      migrationsDir: dir,
      ...(config.migrations.format ? { format: config.migrations.format } : {}),
      commitDates: await commitDates(dir),
      ...(config.migrations.placeholders ? { placeholders: config.migrations.placeholders } : {}),
      ...(config.migrations.placeholderReplacement === undefined
        ? {}
        : { placeholderReplacement: config.migrations.placeholderReplacement }),
      ...(setupFiles.length > 0
        ? { setupFiles, setupOrigin: `migrations.setup in ${configPath}` }
        : {}),
      scratch: { kind: "embedded", major },
      ...(config.schemas ? { schemas: config.schemas } : {}),
      createdAt: new Date().toISOString(),
      log,
    });
    return { snapshot, location: dir };
  }
  throw new CliError(
    "no baseline: pass --baseline FILE or set baseline in pgdrift.config.json (build one with pgdrift baseline build)",
  );
}

/** The config's environments, then the --env flags (a flag with a config name replaces its URL). */
function auditTargets(
  config: Config | undefined,
  flags: readonly { name: string; url: string }[],
  env: NodeJS.ProcessEnv,
): AuditTarget[] {
  const targets = new Map<string, AuditTarget>();
  for (const entry of config?.environments ?? []) {
    const schemas = entry.schemas ?? config?.schemas;
    // Without url and urlEnv (the config allows that only with an aws block), the environment
    // is audited on AWS only, unless an --env flag below gives its URL.
    if (entry.url === undefined && entry.urlEnv === undefined) continue;
    const url = entry.url ?? (entry.urlEnv === undefined ? undefined : env[entry.urlEnv]);
    targets.set(
      entry.name,
      url
        ? { name: entry.name, url, ...(schemas ? { schemas } : {}) }
        : {
            name: entry.name,
            problem: {
              code: "missing_url",
              message: `${entry.name}: environment variable ${entry.urlEnv} is not set: export it, or pass --env ${entry.name}=URL`,
            },
          },
    );
  }
  for (const flag of flags) {
    const existing = config?.environments?.find((entry) => entry.name === flag.name);
    const schemas = existing?.schemas ?? config?.schemas;
    targets.set(flag.name, { name: flag.name, url: flag.url, ...(schemas ? { schemas } : {}) });
  }
  return [...targets.values()];
}

export async function auditCommand(
  argv: readonly string[],
  log: Log,
  deps: AuditDependencies = {},
): Promise<number> {
  const args = parseCommandArgs("audit", argv, {
    config: { type: "string" },
    baseline: { type: "string" },
    env: { type: "string", multiple: true },
    format: { type: "string" },
    out: { type: "string" },
    "fail-on": { type: "string" },
    "ignore-file": { type: "string" },
  });
  if (args.values.help) {
    process.stdout.write(AUDIT_HELP);
    return 0;
  }
  // Everything given on the command line is checked before anything is read or connected.
  const format = formatValue(args);
  const failOnFlag = stringValue(args, "fail-on");
  const flagEnvs = listValue(args, "env").map(parseEnvSpec);
  const failOnFromFlag: FailOn | undefined =
    failOnFlag === undefined ? undefined : parseFailOn(failOnFlag, "--fail-on");
  const configPath =
    stringValue(args, "config") ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  let config: Config | undefined;
  if (configPath !== undefined) {
    if (!existsSync(configPath)) throw new CliError(`config file ${configPath} not found`);
    const loaded = await loadConfig(configPath);
    config = loaded.config;
    for (const warning of loaded.warnings) log(`warning: ${warning}`);
  }
  const failOn: FailOn = failOnFromFlag ?? config?.failOn ?? "info";

  const targets = auditTargets(config, flagEnvs, process.env);
  const awsOnly = (config?.environments ?? [])
    .filter((entry) => entry.url === undefined && entry.urlEnv === undefined)
    .map((entry) => entry.name)
    .filter((name) => !targets.some((target) => target.name === name));
  if (awsOnly.length > 0) {
    log(`not audited from here (no url or urlEnv, AWS only): ${awsOnly.join(", ")}`);
  }
  if (targets.length === 0) {
    throw new CliError(
      "no environments to audit: pass --env NAME=URL, or give environments a url or urlEnv in pgdrift.config.json",
    );
  }
  const ignoreFile = stringValue(args, "ignore-file");
  // The file's rules come after the config's: the first matching rule gives the reason.
  const ignore = [
    ...(config?.ignore ?? []),
    ...(ignoreFile === undefined ? [] : await loadIgnoreFile(ignoreFile)),
  ];
  const baseline = await loadBaseline(stringValue(args, "baseline"), config, configPath, log, deps);
  const diffOptions: DiffOptions = {
    ...(config?.compareOwners !== undefined ? { compareOwners: config.compareOwners } : {}),
    ...(ignore.length > 0 ? { ignore } : {}),
    ...(config?.severity ? { severity: config.severity } : {}),
  };
  const history = historyOptions(config?.history);
  const report = await runAudit({
    baseline: baseline.snapshot,
    baselineLocation: baseline.location,
    targets,
    diffOptions,
    ...(history ? { history } : {}),
    trigger: "cli",
    log,
  });
  const out = stringValue(args, "out");
  const color = format === "text" && out === undefined && useColor();
  await writeOutput(renderReport(report, format, { color }), out, log, "report");
  return exitCodeFor(report, failOn);
}
