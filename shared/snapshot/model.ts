/**
 * The snapshot model (`pgdrift.snapshot/v1`).
 *
 * A snapshot is what a database's catalog says about the objects in scope, reduced to what
 * matters for drift: no OIDs, no statistics, no creation order. Objects are grouped by kind
 * and keyed by their identity (each name part quoted as `quote_ident` would). Fields that
 * can drift carry the attribute names that findings use (`rls_enabled`, `on_delete`, …), so
 * a finding's `attribute` is the snapshot field it came from.
 */

export const SNAPSHOT_FORMAT = "pgdrift.snapshot/v1";

/** A privilege grant, e.g. `app_reader:SELECT` or `PUBLIC:USAGE`; `*` marks WITH GRANT OPTION. */
export type Privilege = string;

export interface SchemaObject {
  readonly name: string;
  readonly owner: string;
  readonly comment: string | null;
  readonly privileges: readonly Privilege[];
}

export interface ExtensionObject {
  readonly name: string;
  readonly version: string;
  readonly schema: string;
}

export type TablePersistence = "permanent" | "unlogged" | "temporary";
export type ReplicaIdentity = "default" | "nothing" | "full" | `index ${string}`;

export interface TableObject {
  readonly schema: string;
  readonly name: string;
  /** `table` or `partitioned_table` (relkind 'r' / 'p'). */
  readonly relkind: "table" | "partitioned_table";
  readonly persistence: TablePersistence;
  readonly rls_enabled: boolean;
  readonly rls_forced: boolean;
  readonly comment: string | null;
  readonly privileges: readonly Privilege[];
  readonly owner: string;
  /** `RANGE (created_at)` for a partitioned table, else null. */
  readonly partition_key: string | null;
  /** Identity of the parent when this table is a partition, else null. */
  readonly partition_of: string | null;
  /** `FOR VALUES FROM (…) TO (…)` when this table is a partition, else null. */
  readonly partition_bound: string | null;
  readonly replica_identity: ReplicaIdentity;
  /** Storage parameters (`reloptions`), sorted, e.g. `fillfactor=70`. */
  readonly options: readonly string[];
}

export interface ColumnIdentitySpec {
  /** `always` or `by default`. */
  readonly generation: "always" | "by default";
}

export interface ColumnObject {
  /** Identity of the table, view or materialized view the column belongs to. */
  readonly table: string;
  readonly name: string;
  /** `format_type` spelling: `character varying(50)`, `timestamp with time zone`, … */
  readonly type: string;
  readonly nullable: boolean;
  /** Deparsed default expression, or null. Null for identity and generated columns. */
  readonly default: string | null;
  /** `always` / `by default` for identity columns, else null. */
  readonly identity: "always" | "by default" | null;
  /** Deparsed generation expression of a stored generated column, else null. */
  readonly generated: string | null;
  /** Collation name when it is not the type's default, else null. */
  readonly collation: string | null;
  /** 1-based position among the table's live columns (dropped columns leave no gap). */
  readonly position: number;
  readonly comment: string | null;
  readonly privileges: readonly Privilege[];
}

export type ConstraintType = "primary_key" | "unique" | "foreign_key" | "check" | "exclusion";

export type ReferentialAction = "NO ACTION" | "RESTRICT" | "CASCADE" | "SET NULL" | "SET DEFAULT";

export type Deferrability =
  | "NOT DEFERRABLE"
  | "DEFERRABLE INITIALLY IMMEDIATE"
  | "DEFERRABLE INITIALLY DEFERRED";

export interface ConstraintReference {
  /** Identity of the referenced table. */
  readonly table: string;
  readonly columns: readonly string[];
  /** `SIMPLE`, `FULL` or `PARTIAL`. */
  readonly match: string;
}

export interface ConstraintObject {
  /** Identity of the table (or domain, later) the constraint belongs to. */
  readonly table: string;
  readonly name: string;
  readonly type: ConstraintType;
  /** Constrained columns, in constraint order (quoted as quote_ident would). */
  readonly columns: readonly string[];
  /** Foreign keys only. */
  readonly references: ConstraintReference | null;
  /** Foreign keys only. */
  readonly on_delete: ReferentialAction | null;
  /** Foreign keys only. */
  readonly on_update: ReferentialAction | null;
  readonly deferrable: Deferrability;
  readonly validated: boolean;
  /**
   * What the structured fields do not carry: the check body (`CHECK ((amount > 0))`),
   * the exclusion definition, `NULLS NOT DISTINCT`, index options of the backing index.
   * Null when the structured fields say it all.
   */
  readonly definition: string | null;
}

export interface IndexObject {
  /** Identity of the table or materialized view the index is on. */
  readonly table: string;
  readonly name: string;
  /**
   * Key elements in order: a column name or a deparsed expression, followed by a
   * non-default collation, operator class and ordering: `lower((email)::text)`,
   * `created_at DESC`, `name COLLATE "C" text_pattern_ops`.
   */
  readonly columns: readonly string[];
  /** Deparsed WHERE clause of a partial index, else null. */
  readonly predicate: string | null;
  /** Access method: `btree`, `gin`, `gist`, `hash`, `brin`, `spgist`, … */
  readonly method: string;
  /** `false`, `true`, or `nulls not distinct` (PostgreSQL 15+). */
  readonly unique: boolean | "nulls not distinct";
  /** INCLUDE columns, in order. */
  readonly include: readonly string[];
  /** False when a CREATE INDEX CONCURRENTLY failed and left the index invalid. */
  readonly valid: boolean;
  /** Storage parameters and tablespace, e.g. `fillfactor=70`; null when none. */
  readonly definition: string | null;
}

/** Every kind a snapshot can hold, in the order reports list them. */
export const OBJECT_KINDS = [
  "schema",
  "extension",
  "table",
  "column",
  "constraint",
  "index",
] as const;

export type SnapshotKind = (typeof OBJECT_KINDS)[number];

export interface SnapshotObjects {
  readonly schema: Readonly<Record<string, SchemaObject>>;
  readonly extension: Readonly<Record<string, ExtensionObject>>;
  readonly table: Readonly<Record<string, TableObject>>;
  readonly column: Readonly<Record<string, ColumnObject>>;
  readonly constraint: Readonly<Record<string, ConstraintObject>>;
  readonly index: Readonly<Record<string, IndexObject>>;
}

export type ObjectOfKind<K extends SnapshotKind> = SnapshotObjects[K][string];

export interface MigrationRecord {
  /** Path relative to the migrations folder, with `/` separators. */
  readonly file: string;
  /** Version or name the migration is known by (the file name for plain SQL). */
  readonly version: string;
  /** `sha256:` + hex digest of the file's bytes. */
  readonly checksum: string;
}

export type SnapshotSource =
  | {
      readonly kind: "migrations";
      readonly serverVersion: string;
      readonly serverVersionNum: number;
      /** Migration format the folder was read as (`sql` for plain SQL files). */
      readonly format: string;
      readonly migrations: readonly MigrationRecord[];
    }
  | {
      readonly kind: "database";
      readonly serverVersion: string;
      readonly serverVersionNum: number;
      /** Database name and host; never user or password. */
      readonly database: string;
      readonly host: string | null;
    };

export interface SnapshotScope {
  /** Schemas introspected; null means every non-system schema. */
  readonly schemas: readonly string[] | null;
}

export interface Snapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly createdAt: string;
  readonly source: SnapshotSource;
  readonly scope: SnapshotScope;
  readonly objects: SnapshotObjects;
  /** `sha256:` + hex digest of the canonical JSON of `objects`. */
  readonly digest: string;
}

export function emptyObjects(): {
  -readonly [K in SnapshotKind]: Record<string, ObjectOfKind<K>>;
} {
  return { schema: {}, extension: {}, table: {}, column: {}, constraint: {}, index: {} };
}
