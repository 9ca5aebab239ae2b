import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildBaseline } from "../../shared/baseline/build.ts";
import { MigrationError } from "../../shared/baseline/errors.ts";
import { adminUrl } from "../support/db.ts";
import { temporaryFolders } from "./folders.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures/migrations");
const folder = temporaryFolders("flyway-build");

async function build(dir: string, options: { checkpoints?: number } = {}) {
  const messages: string[] = [];
  const snapshot = await buildBaseline({
    migrationsDir: dir,
    format: "flyway",
    scratch: { kind: "server", url: adminUrl() },
    createdAt: "2025-01-01T00:00:00.000Z",
    log: (m) => messages.push(m),
    ...options,
  });
  return { snapshot, messages };
}

function migrationsOf(snapshot: Awaited<ReturnType<typeof build>>["snapshot"]) {
  return snapshot.source.kind === "migrations" ? snapshot.source.migrations : [];
}

describe("baseline build of a Flyway folder with a baseline migration", () => {
  it("applies the latest B, then the versioned migrations above it; records the ones below", async () => {
    const { snapshot, messages } = await build(join(FIXTURES, "flyway-baseline"));
    expect(Object.keys(snapshot.objects.table).sort()).toEqual([
      "public.accounts",
      "public.orders",
    ]);
    expect(Object.keys(snapshot.objects.view)).toEqual(["public.account_names"]);
    expect(snapshot.objects.index["public.orders_account_id_idx"]).toBeDefined();
    expect(messages.filter((m) => m.startsWith("applying "))).toEqual([
      "applying B3__baseline.sql (1/4)",
      "applying V4__orders.sql (2/4)",
      "applying V5__orders_index.sql (3/4)",
      "applying R__account_names.sql (4/4)",
    ]);
    expect(messages).toContain(
      "Flyway baseline migration B3__baseline.sql: a database without history starts from version 3, then the versioned migrations above it; 3 versioned migration(s) at or below it (legacy/V1__accounts.sql … legacy/V3__accounts_name.sql) are recorded for databases migrated before it, not applied",
    );
    expect(messages).toContain("applied 4 migration(s); reading the catalog");
    // the recorded list: what fresh and older databases' histories are compared with
    expect(migrationsOf(snapshot).map((m) => [m.file, m.kind, m.version])).toEqual([
      ["B3__baseline.sql", "versioned", "3"],
      ["legacy/V1__accounts.sql", "versioned", "1"],
      ["legacy/V2__drop_legacy.sql", "versioned", "2"],
      ["legacy/V3__accounts_name.sql", "versioned", "3"],
      ["V4__orders.sql", "versioned", "4"],
      ["V5__orders_index.sql", "versioned", "5"],
      ["R__account_names.sql", "repeatable", "account names"],
    ]);
    expect(migrationsOf(snapshot).some((m) => "recordOnly" in m)).toBe(false);
  });

  it("takes checkpoints at what a fresh database applies: the B migration's version first", async () => {
    const dir = await folder({
      "V1__a.sql": "CREATE TABLE a (id int);",
      "V2__b.sql": "CREATE TABLE b (id int);",
      "B2__baseline.sql": "CREATE TABLE a (id int);\nCREATE TABLE b (id int);",
      "V3__c.sql": "CREATE TABLE c (id int);",
    });
    const { snapshot, messages } = await build(dir, { checkpoints: 3 });
    expect(messages).toContain("only 2 migration(s): 2 snapshot(s) taken");
    expect(snapshot.checkpoints?.map((c) => c.version)).toEqual(["2"]);
    expect(Object.keys(snapshot.checkpoints?.[0]?.objects.table ?? {}).sort()).toEqual([
      "public.a",
      "public.b",
    ]);
    expect(Object.keys(snapshot.objects.table).sort()).toEqual([
      "public.a",
      "public.b",
      "public.c",
    ]);
  });
});

describe("baseline build of a Flyway project with schema settings", () => {
  it("creates flyway.schemas first and runs each migration with the default schema first in search_path", async () => {
    const { snapshot, messages } = await build(join(FIXTURES, "flyway-schemas/sql"));
    const conf = join(FIXTURES, "flyway-schemas/flyway.conf");
    expect(Object.keys(snapshot.objects.schema).sort()).toEqual(["app", "audit", "public"]);
    // V1 ends with SET search_path = public: Flyway sets it again before V2, and so does pgdrift
    expect(Object.keys(snapshot.objects.table).sort()).toEqual(["app.items", "audit.events"]);
    expect(snapshot.objects.index["app.items_name_idx"]).toBeDefined();
    expect(Object.keys(snapshot.objects.view)).toEqual(["app.item_names"]);
    expect(messages).toContain(`read Flyway settings from ${conf}: schemas app,audit`);
    expect(messages).toContain(
      `created schemas app, audit before the migrations, as Flyway does (flyway.schemas in ${conf})`,
    );
    expect(messages).toContain(
      `each migration runs with search_path "app","$user", public, as Flyway sets it for its default schema app (flyway.schemas in ${conf})`,
    );
  });

  it("says so when a migration creates a schema Flyway already created", async () => {
    const dir = await folder({
      "flyway.conf": "flyway.defaultSchema=app\n",
      "V1__schema.sql": "CREATE SCHEMA app;",
    });
    const error = await build(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toBe(
      'migration V1__schema.sql line 1: 42P06 schema "app" already exists — hint: pgdrift created app before the migrations, as Flyway does (createSchemas defaults to true): set flyway.createSchemas=false if your Flyway does not create them',
    );
  });

  it("with createSchemas=false, sets search_path once a migration has created the schema", async () => {
    const dir = await folder({
      "flyway.conf": "flyway.defaultSchema=app\nflyway.createSchemas=false\n",
      "V1__schema.sql": "CREATE SCHEMA app;",
      "V2__items.sql": "CREATE TABLE items (id int);",
    });
    const { snapshot } = await build(dir);
    expect(Object.keys(snapshot.objects.table)).toEqual(["app.items"]);
  });

  it("ends a failure with what search_path was", async () => {
    const dir = await folder({
      "flyway.conf": "flyway.defaultSchema=app\n",
      "V1__items.sql": "CREATE TABLE items (id int);",
      "V2__index.sql": "CREATE INDEX ON public.items (id);",
    });
    const error = await build(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe(
      'migration V2__index.sql line 1: 42P01 relation "public.items" does not exist — hint: search_path was "app","$user", public (Flyway\'s default schema); check flyway.defaultSchema and flyway.schemas, or that an earlier migration creates it',
    );
  });
});
