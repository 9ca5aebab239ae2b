import pg from "pg";
import { introspect } from "../introspect/introspect.ts";
import type { Snapshot, SnapshotObjects } from "../snapshot/model.ts";
import { createSnapshot } from "../snapshot/snapshot.ts";
import { applyMigrations } from "./apply.ts";
import { EngineError } from "./errors.ts";
import { checkMigrations } from "./plan.ts";
import { provisionScratch, type ScratchDatabase, type ScratchSpec } from "./scratch.ts";
import { prepareSession } from "./session.ts";
import { readSetupFiles, runSetupFiles } from "./setup.ts";
import { type MigrationFormatOption, readMigrations } from "./sources/index.ts";

export interface BuildBaselineOptions {
  readonly migrationsDir: string;
  /** Default `auto`. */
  readonly format?: MigrationFormatOption;
  /** An embedded cluster of a major, or a server where a temporary database may be created. */
  readonly scratch: ScratchSpec;
  /** Schemas to introspect; absent or empty means every non-system schema. */
  readonly schemas?: readonly string[];
  /** ISO timestamp recorded in the snapshot (the caller owns the clock). */
  readonly createdAt: string;
  readonly log?: (message: string) => void;
  /** Flyway placeholder values (see ReadOptions.placeholders). */
  readonly placeholders?: Readonly<Record<string, string>>;
  /** Flyway's `placeholderReplacement`; default true. */
  readonly placeholderReplacement?: boolean;
  /** Flyway's configuration file; absent: found beside or above the folder (see ReadOptions). */
  readonly flywayConfig?: string;
  /**
   * Snapshots at the last N migration versions, the head included (so N - 1 checkpoints are
   * stored beside it); absent or 1: the head only.
   */
  readonly checkpoints?: number;
  /**
   * When each migration file entered the repository (ISO 8601), by file path relative to the
   * folder: recorded in the baseline so audits can age pending migrations whose versions are
   * not timestamps (the caller reads them, e.g. from git).
   */
  readonly commitDates?: Readonly<Record<string, string>>;
  /**
   * Setup files (paths), run in order on the scratch database before the first migration: what
   * the platform provides (roles, schemas, stub tables and functions). Not migrations: not in
   * `source.migrations`, never compared with a history table (see setup.ts).
   */
  readonly setupFiles?: readonly string[];
  /** Where the setup files were named, for messages; default `--setup`. */
  readonly setupOrigin?: string;
}

/** A session on the scratch database (the caller ends it). */
async function connectScratch(scratch: ScratchDatabase): Promise<pg.Client> {
  const client = new pg.Client(scratch.connection);
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (cause) {
    await client.end().catch(() => undefined);
    throw new EngineError(
      "scratch_connect_failed",
      `could not connect to the scratch database on ${scratch.description}: ${(cause as Error).message}`,
      { cause },
    );
  }
  return client;
}

/** Where the checkpoints are taken: indexes into the migrations, oldest first (head excluded). */
function checkpointIndexes(
  migrations: readonly { kind: string; file: string }[],
  count: number,
  log: (message: string) => void,
): number[] {
  if (count <= 1 || migrations.length < 2) return [];
  const repeatable = migrations.find((m) => m.kind === "repeatable");
  if (repeatable) {
    // Flyway applies repeatable migrations after the versioned ones of each run: the schema at
    // an earlier version depends on when each run happened, which the folder does not say.
    throw new EngineError(
      "checkpoints_unsupported",
      `--checkpoints cannot be used with repeatable migrations (${repeatable.file}): build without --checkpoints`,
    );
  }
  const wanted = Math.min(count, migrations.length);
  if (wanted < count) log(`only ${migrations.length} migration(s): ${wanted} snapshot(s) taken`);
  const head = migrations.length - 1;
  return Array.from({ length: wanted - 1 }, (_, i) => head - (wanted - 1) + i);
}

/**
 * The baseline: what the migrations say the schema is. Reads the folder, applies every file
 * to a scratch database and introspects it with the same code as any environment. The
 * scratch database is always disposed, whether the build succeeds, fails or is interrupted
 * (see `disposeAllScratch`).
 */
export async function buildBaseline(options: BuildBaselineOptions): Promise<Snapshot> {
  const log = options.log ?? (() => undefined);
  const schemas = options.schemas && options.schemas.length > 0 ? [...options.schemas] : null;

  const set = await readMigrations(options.migrationsDir, options.format ?? "auto", {
    log,
    ...(options.placeholders ? { placeholders: options.placeholders } : {}),
    ...(options.placeholderReplacement === undefined
      ? {}
      : { placeholderReplacement: options.placeholderReplacement }),
    ...(options.flywayConfig ? { flywayConfig: options.flywayConfig } : {}),
    now: new Date(options.createdAt),
  });
  log(`read ${set.migrations.length} migration(s) from ${set.dir} as ${set.format}`);
  // what a fresh database runs (Flyway: not the versioned migrations a baseline migration covers)
  const toApply = set.migrations.filter((m) => m.recordOnly !== true);
  checkMigrations(toApply);
  const setupFiles = await readSetupFiles(options.setupFiles ?? [], options.setupOrigin);
  for (const setup of setupFiles) {
    log(
      `setup file ${setup.file}: ${setup.checksum} (runs before the migrations; not a migration, not recorded in the baseline)`,
    );
  }
  const at = checkpointIndexes(toApply, options.checkpoints ?? 1, log);
  const checkpoints: { version: string; objects: SnapshotObjects }[] = [];
  if (at.length > 0 && set.format === "sql") {
    log(
      "plain SQL migrations have no history table: audits will compare with the head, not a checkpoint",
    );
  }

  const scratch = await provisionScratch(options.scratch, { log });
  let introspected: Awaited<ReturnType<typeof introspect>>;
  try {
    if (setupFiles.length > 0) {
      // Its own session: what the setup sets (SET search_path, SET ROLE…) does not reach the
      // migrations, which start as the tool's connection would (ALTER DATABASE … SET included).
      const setupClient = await connectScratch(scratch);
      try {
        await runSetupFiles(setupClient, setupFiles, {
          log,
          adoptRole: (role) => scratch.adoptRole(role),
        });
      } finally {
        await setupClient.end().catch(() => undefined);
      }
    }
    const client = await connectScratch(scratch);
    try {
      const session = set.setup ? await prepareSession(client, set.setup, log) : undefined;
      const searchPath = session?.searchPath;
      const apply = (from: number, to: number) =>
        applyMigrations(client, toApply.slice(from, to), {
          log,
          onRoleCreated: (role) => scratch.adoptRole(role),
          ...(searchPath === undefined ? {} : { searchPath }),
          ...(session ? { createdSchemas: session.created } : {}),
        });
      let applied = 0;
      for (const index of at) {
        await apply(applied, index + 1);
        applied = index + 1;
        const version = toApply[index]?.version ?? "";
        log(`reading the catalog at version ${version} (checkpoint)`);
        const { objects } = await introspect(client, schemas ? { schemas } : {});
        checkpoints.push({ version, objects });
      }
      await apply(applied, toApply.length);
      log(`applied ${toApply.length} migration(s); reading the catalog`);
      introspected = await introspect(client, schemas ? { schemas } : {});
    } finally {
      await client.end().catch(() => undefined);
    }
  } finally {
    await scratch.dispose().catch((error: unknown) => {
      log(error instanceof Error ? error.message : String(error));
    });
  }

  // A schema list that names a schema the migrations never create would compare nothing
  // for it, and every environment would look clean there: refuse it.
  const created = new Set(Object.values(introspected.objects.schema).map((s) => s.name));
  const unknown = (schemas ?? []).filter((schema) => !created.has(schema));
  if (unknown.length > 0) {
    throw new EngineError(
      "schema_not_created",
      `the schema list names ${unknown.map((s) => `"${s}"`).join(", ")}, which the migrations in ${options.migrationsDir} do not create: check --schemas or schemas in pgdrift.config.json`,
    );
  }

  return createSnapshot({
    createdAt: options.createdAt,
    source: {
      kind: "migrations",
      serverVersion: introspected.serverVersion,
      serverVersionNum: introspected.serverVersionNum,
      format: set.format,
      migrations: set.migrations.map(
        ({ file, version, checksum, kind, description, toolChecksum, timestamp }) => ({
          file,
          version,
          checksum,
          kind,
          description,
          toolChecksum,
          timestamp,
          ...(options.commitDates?.[file] ? { committedAt: options.commitDates[file] } : {}),
        }),
      ),
    },
    scope: { schemas },
    objects: introspected.objects,
    ...(checkpoints.length > 0 ? { checkpoints } : {}),
  });
}
