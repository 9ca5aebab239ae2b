import type { TriggerEnabled, TriggerObject } from "../snapshot/model.ts";
import { deparsedAsOf17 } from "./deparsed-sql.ts";
import { relationVanished } from "./errors.ts";
import type { Queryable } from "./queryable.ts";
import { catalogQuery } from "./session.ts";
import { quoteIdent, SCHEMA_IN_SCOPE } from "./sql-fragments.ts";

/**
 * User triggers on tables, views and materialized views in scope. Internal triggers (those
 * behind foreign keys) are left out, and so are the clones PostgreSQL makes on each partition
 * of a partitioned table's trigger (`tgparentid`, PostgreSQL 13+): the parent's trigger is
 * the one object, however the partitions came to be.
 */
function triggersSql(serverVersionNum: number): string {
  const notClone = serverVersionNum >= 130000 ? "AND t.tgparentid = 0" : "";
  return /* SQL */ `
SELECT t.tgrelid::int8::text AS relid,
       t.tgname AS name,
       ${quoteIdent("t.tgname")} AS quoted_name,
       pg_catalog.pg_get_triggerdef(t.oid, true) AS definition,
       t.tgenabled AS enabled,             -- 'O' origin, 'D' disabled, 'R' replica, 'A' always
       d.description AS comment
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_trigger'::regclass AND d.objsubid = 0
WHERE NOT t.tgisinternal ${notClone}
  AND ${SCHEMA_IN_SCOPE}`;
}

interface TriggerRow {
  relid: string;
  name: string;
  quoted_name: string;
  /** NULL only when the table was dropped after the transaction's snapshot was taken. */
  definition: string | null;
  enabled: string;
  comment: string | null;
}

const ENABLED: Record<string, TriggerEnabled> = {
  O: "enabled",
  D: "disabled",
  R: "replica",
  A: "always",
};

/**
 * `CREATE [CONSTRAINT] TRIGGER name BEFORE INSERT ON public.t …` → `[CONSTRAINT ]BEFORE INSERT
 * ON public.t …`: without the trigger's own name, so a renamed trigger keeps its definition.
 * The table stays: it is the table of the identity.
 */
export function triggerDefinition(triggerdef: string, quotedName: string): string {
  for (const prefix of ["CREATE TRIGGER ", "CREATE CONSTRAINT TRIGGER "]) {
    const head = `${prefix}${quotedName} `;
    if (triggerdef.startsWith(head)) {
      const rest = triggerdef.slice(head.length);
      return prefix === "CREATE TRIGGER " ? rest : `CONSTRAINT ${rest}`;
    }
  }
  return triggerdef;
}

export async function readTriggers(
  db: Queryable,
  schemas: readonly string[] | null,
  serverVersionNum: number,
  /** Table, view and materialized view OID → identity. */
  relations: ReadonlyMap<string, string>,
): Promise<Record<string, TriggerObject>> {
  const rows = await catalogQuery<TriggerRow>(db, "triggers", triggersSql(serverVersionNum), [
    schemas,
  ]);
  const triggers: Record<string, TriggerObject> = {};
  for (const row of rows) {
    const table = relations.get(row.relid);
    if (table === undefined) continue;
    if (row.definition === null) {
      throw relationVanished("triggers", row.relid, `the table of trigger ${row.quoted_name}`);
    }
    // Keys in sorted order: the snapshot's canonical form.
    triggers[`${table}.${row.quoted_name}`] = {
      comment: row.comment,
      definition: triggerDefinition(
        deparsedAsOf17(row.definition, serverVersionNum),
        row.quoted_name,
      ),
      enabled: ENABLED[row.enabled] ?? "enabled",
      name: row.name,
      table,
    };
  }
  return triggers;
}
