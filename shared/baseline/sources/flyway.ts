import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { MigrationSourceError } from "../errors.ts";
import {
  checkUniqueVersions,
  listTree,
  logIgnored,
  noMigrations,
  readMigrationFile,
  type TreeFile,
} from "./files.ts";
import { findFlywayConfig, mergeFlywaySettings, readFlywayConfig } from "./flyway-conf.ts";
import {
  classifyFlywayName,
  NAMING,
  PLACED_EVENTS,
  type PlacedEvent,
  STATEMENT_EVENTS,
} from "./flyway-names.ts";
import {
  compareFlywayVersions,
  compareJavaStrings,
  type FlywayVersion,
  flywayChecksum,
  flywayTimestamp,
  parseFlywayVersion,
  replacePlaceholders,
} from "./flyway-text.ts";
import type {
  Migration,
  MigrationScript,
  MigrationSource,
  ReadOptions,
  SessionSetup,
} from "./source.ts";

/**
 * Flyway (SQL migrations, default naming): every `.sql` file under the folder, sub-folders
 * included, as Flyway scans a `filesystem:` location.
 *
 * - `V<version>__<description>.sql`: versioned, in version order (`1.9` < `1.10`, `1_1` = 1.1);
 * - `R__<description>.sql`: repeatable, after every versioned one, in description order;
 * - `B<version>__<description>.sql`: baseline migrations. On a database without history,
 *   `flyway migrate` applies the latest one (highest version) first, then only the versioned
 *   migrations above its version, then the repeatable ones; the build does the same. The
 *   versioned migrations at or below it are still recorded (`recordOnly`), for databases migrated
 *   before the baseline migration existed; older baseline migrations are ignored;
 * - `U…` (undo) migrations are not run by `flyway migrate`, and are ignored;
 * - SQL callbacks (`beforeMigrate.sql`, `afterEachMigrate__grants.sql`, …) run where
 *   `flyway migrate` runs them; callbacks of other commands are ignored;
 * - `<script>.sql.conf` with `executeInTransaction=false` runs that script outside a transaction.
 *
 * The project's `flyway.conf` / `flyway.toml` (see flyway-conf.ts) gives the default schema and
 * the schemas Flyway creates (returned as the `SessionSetup` the build applies: session.ts), and
 * placeholders. Placeholders are replaced as Flyway replaces them. The checksum Flyway stores is computed on
 * the file as written for versioned migrations, and after placeholder replacement for
 * repeatable ones (Flyway re-runs a repeatable migration when a placeholder's value changes).
 */

/** `executeInTransaction=false` in `<script>.conf` (Java properties). */
async function executesInTransaction(conf: TreeFile | undefined): Promise<boolean> {
  if (!conf) return true;
  let text: string;
  try {
    text = await readFile(conf.path, "utf8");
  } catch (cause) {
    throw new MigrationSourceError(conf.path, `cannot read ${conf.path}`, { cause });
  }
  for (const line of text.split(/\r\n|\r|\n/)) {
    const match = /^\s*executeInTransaction\s*[=:]\s*(\S+)\s*$/.exec(line);
    if (match) return match[1]?.toLowerCase() !== "false";
  }
  return true;
}

/** The placeholder values Flyway would have, for one file. */
function placeholderValues(options: ReadOptions, filename: string): Map<string, string> {
  return new Map([
    // the configured default schema comes in options.placeholders (see flywaySetup)
    ["flyway:defaultSchema", "public"],
    ["flyway:table", "flyway_schema_history"],
    ["flyway:workingDirectory", process.cwd()],
    ["flyway:timestamp", flywayTimestamp(options.now ?? new Date())],
    ["flyway:filename", filename],
    ...Object.entries(options.placeholders ?? {}),
  ]);
}

interface ReadScript {
  readonly file: string;
  readonly checksum: string;
  /** As written, byte order mark removed. */
  readonly raw: string;
  /** Placeholders replaced (or `raw` when replacement is off). */
  readonly sql: string;
  readonly transaction: boolean;
}

async function readScript(
  file: TreeFile,
  confs: ReadonlyMap<string, TreeFile>,
  options: ReadOptions,
): Promise<ReadScript> {
  const { checksum, sql: raw } = await readMigrationFile(file.path);
  const transaction = await executesInTransaction(confs.get(`${file.relative}.conf`));
  if (options.placeholderReplacement === false) {
    return { file: file.relative, checksum, raw, sql: raw, transaction };
  }
  const result = replacePlaceholders(raw, placeholderValues(options, file.name));
  if (!result.ok) {
    const { placeholder, name, line, unterminated } = result.problem;
    const how = unterminated
      ? `placeholder \${${name}… has no closing }`
      : name.startsWith("flyway:")
        ? `Flyway fills ${placeholder} from its connection and pgdrift cannot know it: give its value as placeholder ${name}`
        : `no value provided for placeholder ${placeholder}: give it as Flyway does (flyway.placeholders.${name})`;
    throw new MigrationSourceError(file.path, `migration ${file.relative} line ${line}: ${how}`);
  }
  return { file: file.relative, checksum, raw, sql: result.text, transaction };
}

function script(read: ReadScript): MigrationScript {
  return read.transaction
    ? { file: read.file, sql: read.sql }
    : { file: read.file, sql: read.sql, transaction: false };
}

/** Flyway's settings for this folder: its configuration file's, then the options'. */
async function flywaySetup(
  dir: string,
  options: ReadOptions,
): Promise<{ options: ReadOptions; setup: SessionSetup | null; files: readonly string[] }> {
  const files = options.flywayConfig
    ? [await readFlywayConfig(options.flywayConfig)]
    : await findFlywayConfig(dir);
  const settings = mergeFlywaySettings(files);
  const where = files.map((f) => f.path).join(" and ");
  const described: string[] = [];
  if (settings.defaultSchema !== undefined)
    described.push(`defaultSchema ${settings.defaultSchema}`);
  if (settings.schemas !== undefined) described.push(`schemas ${settings.schemas.join(",")}`);
  if (settings.createSchemas !== undefined)
    described.push(`createSchemas ${settings.createSchemas}`);
  const placeholderNames = Object.keys(settings.placeholders ?? {});
  if (placeholderNames.length > 0) described.push(`placeholders ${placeholderNames.join(", ")}`);
  if (settings.placeholderReplacement !== undefined) {
    described.push(`placeholderReplacement ${settings.placeholderReplacement}`);
  }
  if (files.length > 0) {
    options.log?.(
      `read Flyway settings from ${where}: ${described.length > 0 ? described.join("; ") : "none that pgdrift uses"}`,
    );
  }

  const given = options.placeholders?.["flyway:defaultSchema"];
  const fromSettings = settings.defaultSchema ?? settings.schemas?.[0];
  const defaultSchema = given ?? fromSettings ?? null;
  const from =
    given !== undefined
      ? "placeholder flyway:defaultSchema"
      : settings.defaultSchema !== undefined
        ? `flyway.defaultSchema in ${where}`
        : `flyway.schemas in ${where}`;
  if (given !== undefined && fromSettings !== undefined && given !== fromSettings) {
    options.log?.(
      `placeholder flyway:defaultSchema=${given} overrides the default schema ${fromSettings} of ${where}`,
    );
  }
  const managed = settings.schemas ?? [];
  const createSchemas =
    defaultSchema === null || settings.createSchemas === false
      ? []
      : [...(managed.includes(defaultSchema) ? [] : [defaultSchema]), ...managed];
  const effective: ReadOptions = {
    ...options,
    placeholders: {
      ...settings.placeholders,
      ...(defaultSchema === null ? {} : { "flyway:defaultSchema": defaultSchema }),
      ...options.placeholders,
    },
    ...(options.placeholderReplacement === undefined &&
    settings.placeholderReplacement !== undefined
      ? { placeholderReplacement: settings.placeholderReplacement }
      : {}),
  };
  return {
    options: effective,
    setup: defaultSchema === null ? null : { createSchemas, defaultSchema, from },
    files: files.map((f) => resolve(f.path)),
  };
}

async function readFlywayFolder(
  dir: string,
  given: ReadOptions = {},
): Promise<{ migrations: Migration[]; setup: SessionSetup | null }> {
  const { options, setup, files: configFiles } = await flywaySetup(dir, given);
  const files = await listTree(dir);
  const confs = new Map(
    files.filter((f) => f.name.endsWith(".sql.conf")).map((f) => [f.relative, f]),
  );
  const versioned: { file: TreeFile; version: FlywayVersion; description: string }[] = [];
  const baselines: { file: TreeFile; version: FlywayVersion; description: string }[] = [];
  const repeatable: { file: TreeFile; description: string }[] = [];
  const callbacks: { file: TreeFile; event: string; description: string | null }[] = [];
  const ignored: string[] = [];
  for (const file of files) {
    const entry = classifyFlywayName(file.name);
    if (entry.type === "versioned") versioned.push({ file, ...entry });
    else if (entry.type === "baseline") baselines.push({ file, ...entry });
    else if (entry.type === "repeatable") repeatable.push({ file, ...entry });
    else if (entry.type === "callback") callbacks.push({ file, ...entry });
    else if (entry.type === "invalid") {
      throw new MigrationSourceError(
        file.path,
        `invalid Flyway migration name ${file.relative}: ${entry.problem}; expected ${NAMING}`,
      );
    } else if (!confs.has(file.relative) && !configFiles.includes(resolve(file.path))) {
      ignored.push(entry.why ? `${file.relative} (${entry.why})` : file.relative);
    }
  }
  if (versioned.length + baselines.length + repeatable.length === 0) {
    logIgnored(options, dir, ignored, "not run by flyway migrate");
    throw noMigrations(dir, NAMING);
  }
  const statement = callbacks.find((c) => STATEMENT_EVENTS.has(c.event));
  if (statement) {
    throw new MigrationSourceError(
      statement.file.path,
      `Flyway callback ${statement.file.relative} runs around every SQL statement, which pgdrift does not reproduce; move its SQL into the migrations or an afterEachMigrate callback`,
    );
  }

  versioned.sort((a, b) => compareFlywayVersions(a.version, b.version));
  baselines.sort((a, b) => compareFlywayVersions(a.version, b.version));
  repeatable.sort((a, b) => compareJavaStrings(a.description, b.description));
  const flywayKey = (m: { version: string }) =>
    parseFlywayVersion(m.version)?.parts.join(".") ?? m.version;
  checkUniqueVersions(
    dir,
    versioned.map((v) => ({ file: v.file.relative, version: v.version.text })),
    flywayKey,
  );
  checkUniqueVersions(
    dir,
    baselines.map((v) => ({ file: v.file.relative, version: v.version.text })),
    flywayKey,
  );
  checkUniqueVersions(
    dir,
    repeatable.map((r) => ({ file: r.file.relative, version: r.description })),
    undefined,
    "description",
  );

  // a fresh database starts from the latest baseline migration: older ones are never run
  const baseline = baselines[baselines.length - 1];
  for (const older of baselines.slice(0, -1)) {
    ignored.push(
      `${older.file.relative} (an older baseline migration: flyway migrate starts from ${baseline?.file.relative})`,
    );
  }
  logIgnored(options, dir, ignored, "not run by flyway migrate");
  const below = baseline
    ? versioned.filter((v) => compareFlywayVersions(v.version, baseline.version) <= 0)
    : [];
  const above = baseline
    ? versioned.filter((v) => compareFlywayVersions(v.version, baseline.version) > 0)
    : versioned;
  if (baseline) {
    const skipped =
      below.length === 0
        ? ""
        : `; ${below.length} versioned migration(s) at or below it (${below[0]?.file.relative}${below.length > 1 ? ` … ${below[below.length - 1]?.file.relative}` : ""}) are recorded for databases migrated before it, not applied`;
    options.log?.(
      `Flyway baseline migration ${baseline.file.relative}: a database without history starts from version ${baseline.version.text}, then the versioned migrations above it${skipped}`,
    );
  }

  const callbackNames = new Map<string, string>();
  for (const { file } of callbacks) {
    const first = callbackNames.get(file.name);
    if (first !== undefined) {
      throw new MigrationSourceError(
        file.path,
        `two Flyway callbacks in ${dir} are named ${file.name}: ${first} and ${file.relative} (Flyway refuses more than one SQL callback script of a name)`,
      );
    }
    callbackNames.set(file.name, file.relative);
  }

  const byEvent = new Map<PlacedEvent, MigrationScript[]>();
  callbacks.sort(
    (a, b) =>
      PLACED_EVENTS.indexOf(a.event as PlacedEvent) -
        PLACED_EVENTS.indexOf(b.event as PlacedEvent) ||
      (a.description === null ? -1 : b.description === null ? 1 : 0) ||
      compareJavaStrings(a.description ?? "", b.description ?? ""),
  );
  for (const callback of callbacks) {
    const event = callback.event as PlacedEvent;
    const list = byEvent.get(event) ?? [];
    list.push(script(await readScript(callback.file, confs, options)));
    byEvent.set(event, list);
  }
  const scripts = (event: PlacedEvent) => byEvent.get(event) ?? [];

  const versionedMigration = async (entry: (typeof versioned)[number]): Promise<Migration> => {
    const read = await readScript(entry.file, confs, options);
    return {
      ...script(read),
      kind: "versioned",
      version: entry.version.text,
      description: entry.description,
      checksum: read.checksum,
      toolChecksum: flywayChecksum(read.raw),
      timestamp: null,
    };
  };
  // what a fresh database runs: the baseline migration, the versioned ones above it, repeatables
  const applied: Migration[] = [];
  if (baseline) applied.push(await versionedMigration(baseline));
  for (const entry of above) applied.push(await versionedMigration(entry));
  const versionedCount = applied.length;
  for (const entry of repeatable) {
    const read = await readScript(entry.file, confs, options);
    applied.push({
      ...script(read),
      kind: "repeatable",
      version: entry.description,
      description: entry.description,
      checksum: read.checksum,
      toolChecksum: flywayChecksum(read.sql),
      timestamp: null,
    });
  }
  const placed = placeCallbacks(applied, versionedCount, scripts);
  // recorded after the baseline migration, in version order: what older databases applied
  const recorded: Migration[] = [];
  for (const entry of below) {
    recorded.push({ ...(await versionedMigration(entry)), recordOnly: true });
  }
  const migrations = baseline ? [placed[0] as Migration, ...recorded, ...placed.slice(1)] : placed;
  return { migrations, setup };
}

export const flywaySource: MigrationSource = {
  format: "flyway",
  async read(dir: string, options: ReadOptions = {}): Promise<Migration[]> {
    return (await readFlywayFolder(dir, options)).migrations;
  },
  readFolder: readFlywayFolder,
};

/** Attaches the callbacks to the migrations they run around, as `flyway migrate` fires them. */
function placeCallbacks(
  migrations: readonly Migration[],
  versionedCount: number,
  scripts: (event: PlacedEvent) => readonly MigrationScript[],
): Migration[] {
  const last = migrations.length - 1;
  return migrations.map((migration, index) => {
    const before = [
      ...(index === 0 ? scripts("beforeMigrate") : []),
      ...(index === 0 && versionedCount === 0 ? scripts("afterVersioned") : []),
      ...(index === versionedCount ? scripts("beforeRepeatables") : []),
      ...scripts("beforeEachMigrate"),
    ];
    const after = [
      ...scripts("afterEachMigrate"),
      ...(index === versionedCount - 1 ? scripts("afterVersioned") : []),
      ...(index === last
        ? [
            ...scripts("afterMigrate"),
            ...scripts("afterMigrateApplied"),
            ...scripts("afterMigrateOperationFinish"),
          ]
        : []),
    ];
    return {
      ...migration,
      ...(before.length > 0 ? { before } : {}),
      ...(after.length > 0 ? { after } : {}),
    };
  });
}
