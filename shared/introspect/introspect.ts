import { declareCanonical } from "../snapshot/canonical.ts";
import type { SnapshotObjects } from "../snapshot/model.ts";
import { readColumns, TABLES_PER_COLUMN_QUERY } from "./columns.sql.ts";
import { readDomains } from "./domains.sql.ts";
import { IntrospectionError } from "./errors.ts";
import { readExtensions } from "./extensions.sql.ts";
import { readFunctions } from "./functions.sql.ts";
import { type KeyReads, type KeyRows, readIndexesAndConstraints, requestKeyRows } from "./keys.ts";
import { readLookups } from "./lookups.sql.ts";
import { readPolicies } from "./policies.sql.ts";
import type { Queryable } from "./queryable.ts";
import { readSchemas } from "./schemas.sql.ts";
import { readSequences } from "./sequences.sql.ts";
import { catalogQuery, QueuedReads, withCatalogSession } from "./session.ts";
import { readTables, tableOrder } from "./tables.sql.ts";
import { readTriggers } from "./triggers.sql.ts";
import { readTypes } from "./types.sql.ts";
import { readViews } from "./views.sql.ts";

export interface IntrospectOptions {
  /** Schemas to read; absent or empty means every non-system schema. */
  readonly schemas?: readonly string[];
  /** How long one catalog read may wait for a lock (ms). Default 5,000. */
  readonly lockTimeoutMs?: number;
  /** How long one catalog query may run (ms). Default 120,000. */
  readonly statementTimeoutMs?: number;
  /** Reads attempted when concurrent DDL breaks one (an object dropped mid-read). Default 3. */
  readonly attempts?: number;
  /**
   * Tables whose columns, indexes and constraints one query reads. Default 5,000: a larger
   * database is read in slices, which bounds the rows held in memory at once.
   */
  readonly tablesPerQuery?: number;
}

export interface IntrospectResult {
  readonly objects: SnapshotObjects;
  /** `17.6` */
  readonly serverVersion: string;
  /** `170006` */
  readonly serverVersionNum: number;
  readonly database: string;
}

interface ServerRow {
  server_version: string;
  server_version_num: string;
  database: string;
}

const SERVER_SQL = /* SQL */ `
SELECT pg_catalog.current_setting('server_version') AS server_version,
       pg_catalog.current_setting('server_version_num') AS server_version_num,
       pg_catalog.current_database() AS database`;

/**
 * The record with its identities in sorted order. Readers that insert in order (tables,
 * columns, indexes do) cost one pass of comparisons here; others are rebuilt sorted.
 */
export function sortedByIdentity<T>(record: Record<string, T>): Record<string, T> {
  const identities = Object.keys(record);
  let inOrder = true;
  for (let i = 1; i < identities.length && inOrder; i++) {
    inOrder = (identities[i - 1] as string) < (identities[i] as string);
  }
  if (inOrder) return record;
  const sorted: Record<string, T> = {};
  for (const identity of identities.sort()) sorted[identity] = record[identity] as T;
  return sorted;
}

/**
 * The record sorted by identity and declared canonical: every reader builds its objects' keys
 * in sorted order (every diff fixture checks it, on each major: test/diff/fixture-cases.ts), so writing
 * and hashing the snapshot need not walk 100,000 objects to find that out.
 */
function builtRecord<T extends object>(record: Record<string, T>): Record<string, T> {
  return declareCanonical(sortedByIdentity(record));
}

/** Both maps' entries; the first itself when the second is empty (the common case). */
function joined<K, V>(first: Map<K, V>, second: ReadonlyMap<K, V>): Map<K, V>;
function joined<K, V>(first: ReadonlyMap<K, V>, second: ReadonlyMap<K, V>): ReadonlyMap<K, V>;
function joined<K, V>(first: ReadonlyMap<K, V>, second: ReadonlyMap<K, V>): ReadonlyMap<K, V> {
  return second.size === 0 ? first : new Map([...first, ...second]);
}

/** The list cut into consecutive slices of at most `size` entries. */
function slicesOf<T>(list: readonly T[], size: number): T[][] {
  const slices: T[][] = [];
  for (let from = 0; from < list.length; from += size) slices.push(list.slice(from, from + size));
  return slices;
}

/** `17.6 (Debian 17.6-1)` → `17.6` */
function shortVersion(version: string): string {
  return version.split(" ")[0] ?? version;
}

/**
 * Reads the catalog of the database behind `db` in one read-only, repeatable-read
 * transaction: one query per object kind, scoped by schema in SQL, joined in memory.
 * `db` must be a single connection (a `pg.Client`), not a pool.
 */
export async function introspect(
  db: Queryable,
  options: IntrospectOptions = {},
): Promise<IntrospectResult> {
  const schemas = options.schemas && options.schemas.length > 0 ? [...options.schemas] : null;
  const settings = {
    lockTimeoutMs: options.lockTimeoutMs ?? 5_000,
    statementTimeoutMs: options.statementTimeoutMs ?? 120_000,
  };
  const attempts = Math.max(1, options.attempts ?? 3);
  const tablesPerQuery = Math.max(1, options.tablesPerQuery ?? TABLES_PER_COLUMN_QUERY);
  for (let attempt = 1; ; attempt++) {
    try {
      return await readCatalog(db, schemas, settings, tablesPerQuery);
    } catch (error) {
      if (!isConcurrentDdl(error)) throw error;
      if (attempt >= attempts) {
        throw new IntrospectionError(
          error.step,
          `the catalog kept changing while it was read (${attempts} attempts; last: ${error.message}): another session is running DDL, probably a migration; retry when it finishes`,
          { cause: error, ...(error.sqlstate ? { sqlstate: error.sqlstate } : {}) },
        );
      }
    }
  }
}

/**
 * What concurrent DDL does to a read in progress: an object seen by one catalog query is gone
 * when a deparse function looks it up (`cache lookup failed`, `relation with OID … does
 * not exist`, `could not open relation with OID …`). A new
 * transaction sees a consistent catalog again.
 */
function isConcurrentDdl(error: unknown): error is IntrospectionError {
  if (!(error instanceof IntrospectionError)) return false;
  return /cache lookup failed|with OID \d+ does not exist|could not open relation with OID/i.test(
    error.message,
  );
}

async function readCatalog(
  connection: Queryable,
  schemas: string[] | null,
  settings: { lockTimeoutMs: number; statementTimeoutMs: number },
  tablesPerQuery: number,
): Promise<IntrospectResult> {
  return withCatalogSession(connection, settings, async () => {
    // Reads are started as soon as what they need is known, so that their queries wait in the
    // connection's queue: the server runs the next query while this process maps the rows of
    // the last one. A failure is reported as the first failing query's, not as the "current
    // transaction is aborted" of the queries queued behind it.
    const reads = new QueuedReads(connection);
    const db = reads.db;
    return reads.settle(async () => {
      const [server] = await catalogQuery<ServerRow>(db, "server version", SERVER_SQL, []);
      if (!server) throw new Error("the server returned no version row");
      const versionNum = Number.parseInt(server.server_version_num, 10);
      const tablesRead = reads.start(readTables(db, schemas));
      const lookupsRead = reads.start(readLookups(db));
      const schemaRead = reads.start(readSchemas(db, schemas));
      const extensionRead = reads.start(readExtensions(db, schemas));
      const tables = await tablesRead;
      const lookups = await lookupsRead;
      // A large database's per-table kinds (columns, indexes, constraints) are read a slice
      // of tables at a time, so that their rows are never all in memory at once.
      const order = tableOrder(tables);
      const slices = order.length > tablesPerQuery ? slicesOf(order, tablesPerQuery) : null;
      const keyReads: KeyReads = {
        db,
        start: (read) => reads.start(read),
        schemas,
        serverVersionNum: versionNum,
      };
      // With one slice, the index and constraint rows are requested as soon as the column
      // query is sent: the server reads them while this process maps the columns.
      let keyRows: KeyRows | undefined;
      const columnsRead = reads.start(
        readColumns(db, schemas, tables, lookups, versionNum, {
          tablesPerQuery,
          lastQuerySent: () => {
            if (slices === null) keyRows = requestKeyRows(keyReads, null);
          },
        }),
      );
      // Independent of tables and columns: queued behind the columns.
      const viewsRead = reads.start(readViews(db, schemas));
      const sequenceRead = reads.start(readSequences(db, schemas));
      const routinesRead = reads.start(readFunctions(db, schemas, versionNum));
      const typeRead = reads.start(readTypes(db, schemas, versionNum));
      const domainRead = reads.start(readDomains(db, schemas, versionNum));
      const policyRead = reads.start(readPolicies(db, schemas, tables.identities, versionNum));
      const views = await viewsRead;
      // Indexes are on tables and materialized views; triggers on tables and views.
      const relations = joined(tables.identities, views.identities);
      const triggerRead = reads.start(readTriggers(db, schemas, versionNum, relations));
      const columns = await columnsRead;
      const keys = await reads.start(
        readIndexesAndConstraints(
          keyReads,
          slices,
          { tables, relations, names: joined(columns.names, views.names), lookups },
          keyRows,
        ),
      );
      const schemaObjects = await schemaRead;
      const extension = await extensionRead;
      const sequence = await sequenceRead;
      const routines = await routinesRead;
      const trigger = await triggerRead;
      const type = await typeRead;
      const domain = await domainRead;
      const policy = await policyRead;
      return {
        // Sorted by identity, as snapshot files are: canonical as built, and cheap to compare.
        objects: {
          schema: builtRecord(schemaObjects),
          extension: builtRecord(extension),
          table: builtRecord(tables.tables),
          column: builtRecord(columns.columns),
          constraint: builtRecord(keys.constraint),
          index: builtRecord(keys.index),
          view: builtRecord(views.views),
          materialized_view: builtRecord(views.materializedViews),
          sequence: builtRecord(sequence),
          function: builtRecord(routines.functions),
          procedure: builtRecord(routines.procedures),
          trigger: builtRecord(trigger),
          type: builtRecord(type),
          domain: builtRecord(domain),
          policy: builtRecord(policy),
        },
        serverVersion: shortVersion(server.server_version),
        serverVersionNum: versionNum,
        database: server.database,
      };
    });
  });
}
