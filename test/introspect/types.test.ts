import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { introspect } from "../../shared/introspect/introspect.ts";
import type { SnapshotObjects } from "../../shared/snapshot/model.ts";
import { createTestDatabase, type TestDatabase } from "../support/db.ts";

const SCHEMA_SQL = /* SQL */ `
DO $$ BEGIN CREATE ROLE pgdrift_type_user NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE EXTENSION citext;
CREATE SCHEMA app;
-- Enums: one built with ADD VALUE … BEFORE / AFTER, one in final order.
CREATE TYPE app.mood AS ENUM ('sad', 'happy');
ALTER TYPE app.mood ADD VALUE 'ok' BEFORE 'happy';
ALTER TYPE app.mood ADD VALUE 'ecstatic' AFTER 'happy';
ALTER TYPE app.mood ADD VALUE 'numb' BEFORE 'sad';
CREATE TYPE app.status AS ENUM ('new', 'paid', 'It''s "odd"');
COMMENT ON TYPE app.status IS 'order status';
REVOKE USAGE ON TYPE app.status FROM PUBLIC;
GRANT USAGE ON TYPE app.status TO pgdrift_type_user;
-- Composite: a dropped attribute, a non-default collation, a quoted name, a user type.
CREATE TYPE app.address AS (street text COLLATE "C", scratch int, "Zip Code" varchar(10), m app.mood);
ALTER TYPE app.address DROP ATTRIBUTE scratch;
ALTER TYPE app.address ADD ATTRIBUTE city text;
-- Ranges: plain, and with options.
CREATE TYPE app.during AS RANGE (subtype = timestamptz);
CREATE FUNCTION app.float_diff(float8, float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT $1 - $2';
CREATE TYPE app.floats AS RANGE (subtype = float8, subtype_diff = app.float_diff, multirange_type_name = app.float_ranges);
CREATE TYPE app.texts AS RANGE (subtype = text, collation = "C", subtype_opclass = text_pattern_ops);
-- A base type with I/O functions (internal functions: superuser only, as base types are).
CREATE TYPE app.myint;
CREATE FUNCTION app.myint_in(cstring) RETURNS app.myint LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
CREATE FUNCTION app.myint_out(app.myint) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
CREATE TYPE app.myint (input = app.myint_in, output = app.myint_out, internallength = 4,
  passedbyvalue, alignment = int4, category = 'N');
-- A base type with an element type and the array category is still not an array: only a type
-- some type names as its typarray is one.
CREATE TYPE app.int_pair;
CREATE FUNCTION app.int_pair_in(cstring) RETURNS app.int_pair LANGUAGE internal IMMUTABLE STRICT AS 'int8in';
CREATE FUNCTION app.int_pair_out(app.int_pair) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int8out';
CREATE TYPE app.int_pair (input = app.int_pair_in, output = app.int_pair_out, internallength = 8,
  passedbyvalue, alignment = double, element = int4, category = 'A',
  subscript = raw_array_subscript_handler);
-- Not types of their own: row types of tables, views and materialized views; a shell type.
CREATE TABLE app.orders (id int, status app.status, at app.during);
CREATE VIEW app.order_ids AS SELECT id FROM app.orders;
CREATE MATERIALIZED VIEW app.order_counts AS SELECT count(*) AS n FROM app.orders;
CREATE TABLE app.addresses OF app.address;
CREATE TABLE app.events (at timestamptz, tags app.mood[], spans app.during[]) PARTITION BY RANGE (at);
CREATE TYPE app.shell_only;
-- Domains.
CREATE FUNCTION app.default_email() RETURNS text LANGUAGE sql AS $$ SELECT 'nobody@example.com' $$;
SET search_path = app, public;
CREATE DOMAIN email AS text COLLATE "C" DEFAULT default_email() NOT NULL
  CONSTRAINT email_check CHECK (VALUE ~ '@')
  CONSTRAINT "Short" CHECK (length(VALUE) < 200);
RESET search_path;
ALTER DOMAIN app.email ADD CONSTRAINT email_not_empty CHECK (VALUE <> '') NOT VALID;
COMMENT ON DOMAIN app.email IS 'login';
CREATE DOMAIN app.price AS numeric(12,2) DEFAULT 0 CHECK (VALUE >= 0);
ALTER DOMAIN app.price ADD CONSTRAINT price_cap CHECK (VALUE < 1000000) NOT VALID;
ALTER DOMAIN app.price VALIDATE CONSTRAINT price_cap;
CREATE DOMAIN app.code AS varchar(8);
CREATE DOMAIN app.codes AS app.code[];
`;

describe("types reader", () => {
  let db: TestDatabase;
  let objects: SnapshotObjects;

  beforeAll(async () => {
    db = await createTestDatabase("intro_types", SCHEMA_SQL);
    objects = (await introspect(db.client)).objects;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("lists enums, composites, ranges and base types; not arrays, row types, multiranges, shells or extension types", () => {
    expect(Object.keys(objects.type)).toEqual([
      "app.address",
      "app.during",
      "app.floats",
      "app.int_pair",
      "app.mood",
      "app.myint",
      "app.status",
      "app.texts",
    ]);
  });

  it("reads enum labels in sort order, whatever order ADD VALUE gave them", () => {
    expect(objects.type["app.mood"]).toMatchObject({
      type: "enum",
      labels: ["numb", "sad", "ok", "happy", "ecstatic"],
      attributes: null,
      definition: null,
    });
  });

  it("reads comment and privileges (a NULL ACL as the defaults), keys sorted", () => {
    const status = objects.type["app.status"];
    expect(status).toEqual({
      attributes: null,
      comment: "order status",
      definition: null,
      labels: ["new", "paid", `It's "odd"`],
      name: "status",
      owner: expect.any(String),
      privileges: ["OWNER:USAGE", "pgdrift_type_user:USAGE"],
      schema: "app",
      type: "enum",
    });
    expect(Object.keys(status ?? {})).toEqual(Object.keys(status ?? {}).sort());
    expect(objects.type["app.mood"]?.privileges).toEqual(["OWNER:USAGE", "PUBLIC:USAGE"]);
  });

  it("reads composite attributes in order, without dropped ones, with non-default collations", () => {
    expect(objects.type["app.address"]).toMatchObject({
      type: "composite",
      labels: null,
      definition: null,
      attributes: [
        'street text COLLATE "C"',
        '"Zip Code" character varying(10)',
        "m app.mood",
        "city text",
      ],
    });
  });

  it("reads a range's subtype and the options that differ from their defaults", () => {
    expect(objects.type["app.during"]).toMatchObject({
      type: "range",
      definition: "subtype=timestamp with time zone",
    });
    expect(objects.type["app.floats"]?.definition).toBe(
      "subtype=double precision, subtype_diff=app.float_diff, multirange_type_name=app.float_ranges",
    );
    expect(objects.type["app.texts"]?.definition).toBe(
      'subtype=text, subtype_opclass=text_pattern_ops, collation="C"',
    );
  });

  it("reads a base type's definition from its catalog fields", () => {
    expect(objects.type["app.myint"]).toMatchObject({
      type: "base",
      definition:
        "input=app.myint_in, output=app.myint_out, internallength=4, passedbyvalue, alignment=int4, storage=plain, category='N'",
    });
    expect(objects.type["app.int_pair"]).toMatchObject({
      type: "base",
      definition:
        "input=app.int_pair_in, output=app.int_pair_out, subscript=raw_array_subscript_handler, internallength=8, passedbyvalue, alignment=double, storage=plain, category='A', element=integer",
    });
  });
});

describe("domains reader", () => {
  let db: TestDatabase;
  let objects: SnapshotObjects;

  beforeAll(async () => {
    db = await createTestDatabase("intro_domains", SCHEMA_SQL);
    objects = (await introspect(db.client)).objects;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("lists domains, not extension members", () => {
    expect(Object.keys(objects.domain)).toEqual([
      "app.code",
      "app.codes",
      "app.email",
      "app.price",
    ]);
  });

  it("reads base type, default (qualified whatever the search_path was), NOT NULL, collation and checks sorted by name", () => {
    const email = objects.domain["app.email"];
    expect(email).toEqual({
      collation: '"C"',
      comment: "login",
      // Only CHECK constraints: PostgreSQL 17+'s NOT NULL constraint row is \`nullable\`.
      constraints: [
        '"Short": CHECK ((length(VALUE) < 200))',
        "email_check: CHECK ((VALUE ~ '@'::text))",
        "email_not_empty: CHECK ((VALUE <> ''::text)) NOT VALID",
      ],
      data_type: "text",
      default: "app.default_email()",
      name: "email",
      nullable: false,
      owner: expect.any(String),
      privileges: ["OWNER:USAGE", "PUBLIC:USAGE"],
      schema: "app",
    });
    expect(Object.keys(email ?? {})).toEqual(Object.keys(email ?? {}).sort());
  });

  it("reads a validated constraint like an inline one, and typmods of the base type", () => {
    expect(objects.domain["app.price"]).toMatchObject({
      data_type: "numeric(12,2)",
      default: "0",
      nullable: true,
      collation: null,
      constraints: [
        "price_cap: CHECK ((VALUE < (1000000)::numeric))",
        "price_check: CHECK ((VALUE >= (0)::numeric))",
      ],
    });
    expect(objects.domain["app.code"]).toMatchObject({
      data_type: "character varying(8)",
      default: null,
      constraints: [],
    });
    expect(objects.domain["app.codes"]?.data_type).toBe("app.code[]");
  });
});
