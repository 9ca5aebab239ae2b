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
  /**
   * `true`, `false` (NOT NULL, validated), or — PostgreSQL 18+ only — `not valid: <name>` for
   * a NOT NULL constraint added NOT VALID and not validated since (`<name>` is the constraint,
   * quoted as quote_ident would): new rows cannot be NULL, existing ones may be.
   */
  readonly nullable: boolean | `not valid: ${string}`;
  /** Deparsed default expression, or null. Null for identity and generated columns. */
  readonly default: string | null;
  /**
   * `always` / `by default` for identity columns, followed by the options of the column's
   * sequence that are not the defaults (`by default (START WITH 1000 INCREMENT BY 10)`); null
   * for other columns.
   */
  readonly identity: string | null;
  /** Deparsed generation expression of a stored generated column, else null. */
  readonly generated: string | null;
  /** Collation name when it is not the type's default, else null. */
  readonly collation: string | null;
  /** 1-based position among the table's live columns (dropped columns leave no gap). */
  readonly position: number;
  readonly comment: string | null;
  readonly privileges: readonly Privilege[];
  /**
   * The sequence the column owns as a serial / bigserial / smallserial column or by
   * `ALTER SEQUENCE … OWNED BY`: its identity, followed by its options that are not the
   * defaults, in `CREATE SEQUENCE` order, `AS <type>` first when its type is not the
   * column's (`public.orders_id_seq (AS integer)`); several sorted by identity, joined by
   * `, `. Null for a column that owns none and for identity columns (see `identity`).
   * Absent from snapshots written before it existed (2026-11-25): the diff then leaves it
   * uncompared rather than report every serial column.
   */
  readonly sequence?: string | null;
  /**
   * Privileges on that sequence, as a standalone sequence's (a NULL ACL is the owner's
   * defaults, the owner as `OWNER`), sorted; `[]` when `sequence` is null. Absent, like
   * `sequence`, from older snapshots.
   */
  readonly sequence_privileges?: readonly Privilege[];
}

export type ConstraintType = "primary_key" | "unique" | "foreign_key" | "check" | "exclusion";

/** With PostgreSQL 15+'s column list where one is given: `SET NULL (author_id)`. */
export type ReferentialAction =
  | "NO ACTION"
  | "RESTRICT"
  | "CASCADE"
  | "SET NULL"
  | "SET DEFAULT"
  | `SET NULL (${string})`
  | `SET DEFAULT (${string})`;

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
  /** Identity of the table the constraint belongs to. */
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
  readonly comment: string | null;
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
  readonly comment: string | null;
}

/** A view or a materialized view (the two are separate kinds with one shape). */
export interface ViewObject {
  readonly schema: string;
  readonly name: string;
  /** `pg_get_viewdef` of the view's query, pretty-printed, trailing semicolon and whitespace removed. */
  readonly definition: string;
  /** `reloptions`, sorted: `check_option=local`, `security_barrier=true`, `fillfactor=70`. */
  readonly options: readonly string[];
  readonly privileges: readonly Privilege[];
  readonly comment: string | null;
  readonly owner: string;
  /** Comments on the view's columns, in column order, only columns that have one: `quoted_name: text`. */
  readonly column_comments: readonly string[];
  /** Column grants, sorted, de-duplicated: `quoted_name grantee:PRIVILEGE` (`*` = WITH GRANT OPTION). */
  readonly column_privileges: readonly string[];
}

/** A standalone sequence (identity and serial sequences are part of their column). */
export interface SequenceObject {
  readonly schema: string;
  readonly name: string;
  /** `bigint`, `integer` or `smallint`. */
  readonly data_type: string;
  /** 64-bit values are kept as decimal strings: they do not fit a JSON number. */
  readonly increment: string;
  readonly start: string;
  readonly min_value: string;
  readonly max_value: string;
  readonly cache: string;
  readonly cycle: boolean;
  readonly privileges: readonly Privilege[];
  readonly comment: string | null;
  readonly owner: string;
}

export type Volatility = "immutable" | "stable" | "volatile";

/**
 * A function or a procedure (kinds `function` and `procedure`). Identity:
 * `schema.name(argument types)`, so overloads are distinct objects.
 */
export interface FunctionObject {
  readonly schema: string;
  readonly name: string;
  /** Argument types as in the identity: `bigint, text` (empty for none). */
  readonly arguments: string;
  /**
   * Everything else that defines it, as one text: arguments with names, modes and defaults,
   * result type, language, strictness, parallel safety, cost, rows, settings and body.
   */
  readonly definition: string;
  readonly security_definer: boolean;
  readonly volatility: Volatility;
  readonly privileges: readonly Privilege[];
  readonly comment: string | null;
  readonly owner: string;
}

/** `enabled` fires in origin mode (the default); `replica` and `always` are the replication modes. */
export type TriggerEnabled = "enabled" | "disabled" | "replica" | "always";

export interface TriggerObject {
  /** Identity of the table or view the trigger is on. */
  readonly table: string;
  readonly name: string;
  /** `pg_get_triggerdef` with the trigger's name and table replaced, so a rename is not a definition change. */
  readonly definition: string;
  readonly enabled: TriggerEnabled;
  readonly comment: string | null;
}

export interface TypeObject {
  readonly schema: string;
  readonly name: string;
  /** `enum`, `composite`, `range` or `base`. Multiranges are part of their range. */
  readonly type: string;
  /** Enum labels in sort order; null for other types. */
  readonly labels: readonly string[] | null;
  /** Composite attributes in order, `name type [COLLATE c]`; null for other types. */
  readonly attributes: readonly string[] | null;
  /** What defines other kinds of type (a range's subtype, …); null for enums and composites. */
  readonly definition: string | null;
  readonly privileges: readonly Privilege[];
  readonly comment: string | null;
  readonly owner: string;
}

export interface DomainObject {
  readonly schema: string;
  readonly name: string;
  /** Base type, `format_type` spelling. */
  readonly data_type: string;
  readonly default: string | null;
  readonly nullable: boolean;
  /** Collation when it is not the base type's default, else null. */
  readonly collation: string | null;
  /** Check constraints sorted by name: `positive: CHECK ((VALUE > 0))` (` NOT VALID` when not validated). */
  readonly constraints: readonly string[];
  readonly privileges: readonly Privilege[];
  readonly comment: string | null;
  readonly owner: string;
}

export interface PolicyObject {
  /** Identity of the table the policy is on. */
  readonly table: string;
  readonly name: string;
  /** `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`. */
  readonly command: string;
  readonly permissive: boolean;
  /** Role names sorted (`PUBLIC` for the public pseudo-role). */
  readonly roles: readonly string[];
  /** Deparsed USING expression, or null. */
  readonly using: string | null;
  /** Deparsed WITH CHECK expression, or null. */
  readonly with_check: string | null;
  readonly comment: string | null;
}

/** Every kind a snapshot can hold, in the order reports list them. */
export const OBJECT_KINDS = [
  "schema",
  "extension",
  "table",
  "column",
  "constraint",
  "index",
  "view",
  "materialized_view",
  "sequence",
  "function",
  "procedure",
  "trigger",
  "type",
  "domain",
  "policy",
] as const;

export type SnapshotKind = (typeof OBJECT_KINDS)[number];

export interface SnapshotObjects {
  readonly schema: Readonly<Record<string, SchemaObject>>;
  readonly extension: Readonly<Record<string, ExtensionObject>>;
  readonly table: Readonly<Record<string, TableObject>>;
  readonly column: Readonly<Record<string, ColumnObject>>;
  readonly constraint: Readonly<Record<string, ConstraintObject>>;
  readonly index: Readonly<Record<string, IndexObject>>;
  readonly view: Readonly<Record<string, ViewObject>>;
  readonly materialized_view: Readonly<Record<string, ViewObject>>;
  readonly sequence: Readonly<Record<string, SequenceObject>>;
  readonly function: Readonly<Record<string, FunctionObject>>;
  readonly procedure: Readonly<Record<string, FunctionObject>>;
  readonly trigger: Readonly<Record<string, TriggerObject>>;
  readonly type: Readonly<Record<string, TypeObject>>;
  readonly domain: Readonly<Record<string, DomainObject>>;
  readonly policy: Readonly<Record<string, PolicyObject>>;
}

export type ObjectOfKind<K extends SnapshotKind> = SnapshotObjects[K][string];

export interface MigrationRecord {
  /** Path relative to the migrations folder, with `/` separators. */
  readonly file: string;
  /** Version or name the migration is known by (the file name for plain SQL). */
  readonly version: string;
  /** `sha256:` + hex digest of the file's bytes. */
  readonly checksum: string;
  /** `versioned`, or `repeatable` (Flyway `R__` files, known by description). Absent: versioned. */
  readonly kind?: "versioned" | "repeatable";
  /** The description or name the migration tool shows. */
  readonly description?: string;
  /**
   * The checksum the tool stores in its history table, or null when it stores none
   * (Flyway: signed 32-bit CRC32; Prisma: sha256 hex).
   */
  readonly toolChecksum?: number | string | null;
  /** When the version is a timestamp: that instant, ISO 8601 UTC. */
  readonly timestamp?: string | null;
  /** When the file entered the repository (its first commit, ISO 8601), when known. */
  readonly committedAt?: string | null;
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

/**
 * The schema after a migration version before the head (`baseline build --checkpoints N`):
 * an environment whose history says it is at `version` is compared with these objects.
 */
export interface SnapshotCheckpoint {
  /** The last migration applied, as `source.migrations[].version` spells it. */
  readonly version: string;
  /** `sha256:` + hex digest of the canonical JSON of `objects`, as for the snapshot's own. */
  readonly digest: string;
  readonly objects: SnapshotObjects;
}

export interface Snapshot {
  /**
   * Earlier versions' schemas, oldest first; absent when the baseline was built without
   * checkpoints. The head (the last migration) is the snapshot's own `objects`.
   */
  readonly checkpoints?: readonly SnapshotCheckpoint[];
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
  return {
    schema: {},
    extension: {},
    table: {},
    column: {},
    constraint: {},
    index: {},
    view: {},
    materialized_view: {},
    sequence: {},
    function: {},
    procedure: {},
    trigger: {},
    type: {},
    domain: {},
    policy: {},
  };
}
