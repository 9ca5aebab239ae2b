import {
  type ColumnObject,
  type ConstraintObject,
  type ConstraintType,
  type ExtensionObject,
  emptyObjects,
  type IndexObject,
  type ObjectOfKind,
  type SchemaObject,
  type SnapshotKind,
  type SnapshotObjects,
  type TableObject,
} from "../../shared/snapshot/model.ts";

type Mutable = ReturnType<typeof emptyObjects>;

/** `public.orders` → [`public`, `orders`] (test identities are never quoted). */
function split(identity: string): [string, string] {
  const [schema = "", name = ""] = identity.split(".");
  return [schema, name];
}

/**
 * Builds SnapshotObjects for tests with sensible defaults: name what matters to the test,
 * patch the rest. `clone()` forks a baseline into an environment to drift.
 */
export class SnapshotBuilder {
  private readonly objects: Mutable;

  constructor(objects: Mutable = emptyObjects()) {
    this.objects = objects;
  }

  schema(name: string, patch: Partial<SchemaObject> = {}): this {
    this.objects.schema[name] = { name, owner: "app", comment: null, privileges: [], ...patch };
    return this;
  }

  extension(name: string, patch: Partial<ExtensionObject> = {}): this {
    this.objects.extension[name] = { name, version: "1.0", schema: "public", ...patch };
    return this;
  }

  table(identity: string, patch: Partial<TableObject> = {}): this {
    const [schema, name] = split(identity);
    this.objects.table[identity] = {
      schema,
      name,
      relkind: "table",
      persistence: "permanent",
      rls_enabled: false,
      rls_forced: false,
      comment: null,
      privileges: [],
      owner: "app",
      partition_key: null,
      partition_of: null,
      partition_bound: null,
      replica_identity: "default",
      options: [],
      ...patch,
    };
    return this;
  }

  /** Adds a column after the table's last one (position counted automatically). */
  column(table: string, name: string, type: string, patch: Partial<ColumnObject> = {}): this {
    const position = Object.values(this.objects.column).filter((c) => c.table === table).length + 1;
    this.objects.column[`${table}.${name}`] = {
      table,
      name,
      type,
      nullable: true,
      default: null,
      identity: null,
      generated: null,
      collation: null,
      position,
      comment: null,
      privileges: [],
      ...patch,
    };
    return this;
  }

  constraint(
    table: string,
    name: string,
    type: ConstraintType,
    patch: Partial<ConstraintObject> = {},
  ): this {
    this.objects.constraint[`${table}.${name}`] = {
      table,
      name,
      type,
      columns: [],
      references: null,
      on_delete: null,
      on_update: null,
      deferrable: "NOT DEFERRABLE",
      validated: true,
      definition: null,
      ...patch,
    };
    return this;
  }

  index(table: string, name: string, columns: string[], patch: Partial<IndexObject> = {}): this {
    const [schema] = split(table);
    this.objects.index[`${schema}.${name}`] = {
      table,
      name,
      columns,
      predicate: null,
      method: "btree",
      unique: false,
      include: [],
      valid: true,
      definition: null,
      ...patch,
    };
    return this;
  }

  /** Changes fields of an existing object. */
  patch<K extends SnapshotKind>(kind: K, identity: string, patch: Partial<ObjectOfKind<K>>): this {
    const current = this.objects[kind][identity];
    if (current === undefined) throw new Error(`no ${kind} ${identity} to patch`);
    (this.objects[kind] as Record<string, ObjectOfKind<K>>)[identity] = { ...current, ...patch };
    return this;
  }

  /** Removes an object (and nothing else: drop its children yourself when the test needs it). */
  without(kind: SnapshotKind, identity: string): this {
    if (!Object.hasOwn(this.objects[kind], identity))
      throw new Error(`no ${kind} ${identity} to remove`);
    delete this.objects[kind][identity];
    return this;
  }

  clone(): SnapshotBuilder {
    return new SnapshotBuilder(structuredClone(this.objects));
  }

  build(): SnapshotObjects {
    return structuredClone(this.objects);
  }
}

export function snapshot(): SnapshotBuilder {
  return new SnapshotBuilder();
}

/** The incident's schema: users and orders, a foreign key, a check and an index. */
export function shop(): SnapshotBuilder {
  return snapshot()
    .schema("public")
    .table("public.users")
    .column("public.users", "id", "bigint", { nullable: false, identity: "always" })
    .column("public.users", "email", "text", { nullable: false })
    .constraint("public.users", "users_pkey", "primary_key", { columns: ["id"] })
    .table("public.orders")
    .column("public.orders", "id", "bigint", { nullable: false, identity: "always" })
    .column("public.orders", "user_id", "bigint", { nullable: false })
    .column("public.orders", "status", "character varying(50)", {
      default: "'pending'::character varying",
    })
    .column("public.orders", "amount", "numeric(12,2)", { nullable: false })
    .constraint("public.orders", "orders_pkey", "primary_key", { columns: ["id"] })
    .constraint("public.orders", "orders_user_id_fkey", "foreign_key", {
      columns: ["user_id"],
      references: { table: "public.users", columns: ["id"], match: "SIMPLE" },
      on_delete: "CASCADE",
      on_update: "NO ACTION",
    })
    .constraint("public.orders", "orders_amount_check", "check", {
      columns: ["amount"],
      definition: "CHECK ((amount > (0)::numeric))",
    })
    .index("public.orders", "idx_orders_user_id", ["user_id"]);
}
