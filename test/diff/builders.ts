import {
  type ColumnObject,
  type ConstraintObject,
  type ConstraintType,
  type DomainObject,
  type ExtensionObject,
  emptyObjects,
  type FunctionObject,
  type IndexObject,
  type ObjectOfKind,
  type PolicyObject,
  type SchemaObject,
  type SequenceObject,
  type SnapshotKind,
  type SnapshotObjects,
  type TableObject,
  type TriggerObject,
  type TypeObject,
  type ViewObject,
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
      sequence: null,
      sequence_privileges: [],
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
      comment: null,
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
      comment: null,
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

  /** A function `schema.name(arguments)`; `kind` "procedure" files it under procedures. */
  routine(
    identity: string,
    patch: Partial<FunctionObject> = {},
    kind: "function" | "procedure" = "function",
  ): this {
    const open = identity.indexOf("(");
    const [schema, name] = split(identity.slice(0, open));
    this.objects[kind][identity] = {
      schema,
      name,
      arguments: identity.slice(open + 1, -1),
      definition: `(${identity.slice(open + 1, -1)}) RETURNS integer\n LANGUAGE sql PARALLEL UNSAFE COST 100\nAS $function$SELECT 1$function$`,
      security_definer: false,
      volatility: "volatile",
      privileges: ["OWNER:EXECUTE", "PUBLIC:EXECUTE"],
      comment: null,
      owner: "app",
      ...patch,
    };
    return this;
  }

  trigger(table: string, name: string, patch: Partial<TriggerObject> = {}): this {
    this.objects.trigger[`${table}.${name}`] = {
      table,
      name,
      definition: `BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION public.touch()`,
      enabled: "enabled",
      comment: null,
      ...patch,
    };
    return this;
  }

  policy(table: string, name: string, patch: Partial<PolicyObject> = {}): this {
    this.objects.policy[`${table}.${name}`] = {
      table,
      name,
      command: "ALL",
      permissive: true,
      roles: ["PUBLIC"],
      using: null,
      with_check: null,
      comment: null,
      ...patch,
    };
    return this;
  }

  /** A standalone sequence with PostgreSQL's defaults for a bigint sequence. */
  sequence(identity: string, patch: Partial<SequenceObject> = {}): this {
    const [schema, name] = split(identity);
    this.objects.sequence[identity] = {
      schema,
      name,
      data_type: "bigint",
      increment: "1",
      start: "1",
      min_value: "1",
      max_value: "9223372036854775807",
      cache: "1",
      cycle: false,
      privileges: ["OWNER:SELECT", "OWNER:UPDATE", "OWNER:USAGE"],
      comment: null,
      owner: "app",
      ...patch,
    };
    return this;
  }

  /** A type: an enum with `labels`, a composite with `attributes`, or another kind via the patch. */
  userType(identity: string, patch: Partial<TypeObject> = {}): this {
    const [schema, name] = split(identity);
    this.objects.type[identity] = {
      schema,
      name,
      type: patch.attributes ? "composite" : patch.definition ? "range" : "enum",
      labels: null,
      attributes: null,
      definition: null,
      privileges: ["OWNER:USAGE", "PUBLIC:USAGE"],
      comment: null,
      owner: "app",
      ...patch,
    };
    return this;
  }

  domain(identity: string, dataType: string, patch: Partial<DomainObject> = {}): this {
    const [schema, name] = split(identity);
    this.objects.domain[identity] = {
      schema,
      name,
      data_type: dataType,
      default: null,
      nullable: true,
      collation: null,
      constraints: [],
      privileges: ["OWNER:USAGE", "PUBLIC:USAGE"],
      comment: null,
      owner: "app",
      ...patch,
    };
    return this;
  }

  /** A view (or, with `kind` "materialized_view", a materialized view) selecting from a table. */
  view(
    identity: string,
    patch: Partial<ViewObject> = {},
    kind: "view" | "materialized_view" = "view",
  ): this {
    const [schema, name] = split(identity);
    this.objects[kind][identity] = {
      schema,
      name,
      definition: " SELECT id,\n    email\n   FROM public.users\n  WHERE active",
      options: [],
      privileges: ["OWNER:SELECT"],
      comment: null,
      owner: "app",
      column_comments: [],
      column_privileges: [],
      ...patch,
    };
    return this;
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
