import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeEach, describe, expect, it } from "vitest";
import {
  BASELINE_POINTER_FORMAT,
  BaselineStoreError,
  baselineKey,
  loadBaseline,
  normalizePrefix,
  parseS3Uri,
  pointerKey,
  publishBaseline,
} from "../../shared/aws/baseline-store.ts";
import type { Snapshot } from "../../shared/snapshot/model.ts";
import { createSnapshot, serializeSnapshot } from "../../shared/snapshot/snapshot.ts";
import { fakeS3, s3Error } from "../cli/s3-fake.ts";
import { shop } from "../diff/builders.ts";

const BUCKET = "acme-pgdrift-baselines";
const NOW = new Date("2025-06-01T12:00:00.000Z");

function baselineSnapshot(builder = shop()): Snapshot {
  return createSnapshot({
    createdAt: "2025-06-01T11:59:00.000Z",
    source: {
      kind: "migrations",
      serverVersion: "17.5",
      serverVersionNum: 170005,
      format: "sql",
      migrations: [{ file: "001_shop.sql", version: "001_shop.sql", checksum: "sha256:00" }],
    },
    scope: { schemas: null },
    objects: builder.build(),
  });
}

const SNAPSHOT = baselineSnapshot();
const HEX = SNAPSHOT.digest.slice("sha256:".length);
/** The same schema plus one index: another baseline, another digest. */
const OTHER = baselineSnapshot(shop().index("public.orders", "idx_orders_status", ["status"]));

function sha256Base64(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

/** The error a promise rejects with, checked to be a BaselineStoreError. */
async function storeError(promise: Promise<unknown>): Promise<BaselineStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BaselineStoreError);
  return error as BaselineStoreError;
}

describe("parseS3Uri and keys", () => {
  it("splits a bucket and a prefix, normalizing the prefix to end with /", () => {
    expect(parseS3Uri("s3://acme-baselines/shop/prod")).toEqual({
      bucket: "acme-baselines",
      prefix: "shop/prod/",
    });
    expect(parseS3Uri("s3://acme-baselines/shop/")).toEqual({
      bucket: "acme-baselines",
      prefix: "shop/",
    });
    expect(parseS3Uri("s3://acme-baselines")).toEqual({ bucket: "acme-baselines" });
    expect(parseS3Uri("s3://acme-baselines/")).toEqual({ bucket: "acme-baselines" });
  });

  it.each([
    ["https://acme/shop", "is not an S3 URI"],
    ["s3://", "is not an S3 bucket name"],
    ["s3://Acme_Baselines/x", "is not an S3 bucket name"],
  ])("refuses %s", (uri, message) => {
    expect(() => parseS3Uri(uri)).toThrow(message);
    try {
      parseS3Uri(uri);
    } catch (error) {
      expect((error as BaselineStoreError).code).toBe("invalid_location");
    }
  });

  it("names the content-addressed object and the pointer under the prefix", () => {
    const location = { bucket: BUCKET, prefix: "/shop" };
    expect(normalizePrefix("/shop")).toBe("shop/");
    expect(baselineKey(location, SNAPSHOT.digest)).toBe(`shop/baselines/sha256-${HEX}.json`);
    expect(pointerKey(location)).toBe("shop/baselines/current.json");
    expect(pointerKey({ bucket: BUCKET })).toBe("baselines/current.json");
  });
});

describe("publishBaseline", () => {
  let s3: ReturnType<typeof fakeS3>;
  beforeEach(() => {
    s3 = fakeS3(BUCKET);
  });

  it("uploads the canonical snapshot once, with its checksum, then moves the pointer", async () => {
    const result = await publishBaseline(s3.client, { bucket: BUCKET, prefix: "shop" }, SNAPSHOT, {
      now: NOW,
    });

    const key = `shop/baselines/sha256-${HEX}.json`;
    expect(result).toEqual({
      key,
      pointerKey: "shop/baselines/current.json",
      digest: SNAPSHOT.digest,
      alreadyPresent: false,
    });
    const puts = s3.mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts).toHaveLength(2);
    const text = serializeSnapshot(SNAPSHOT);
    expect(puts[0]).toEqual({
      Bucket: BUCKET,
      Key: key,
      Body: text,
      ContentType: "application/json",
      ChecksumSHA256: sha256Base64(text),
      IfNoneMatch: "*",
    });
    const pointerText = String(puts[1]?.Body);
    expect(puts[1]).toMatchObject({
      Bucket: BUCKET,
      Key: "shop/baselines/current.json",
      ContentType: "application/json",
      ChecksumSHA256: sha256Base64(pointerText),
    });
    expect(puts[1]?.IfNoneMatch).toBeUndefined();
    expect(JSON.parse(pointerText)).toEqual({
      format: BASELINE_POINTER_FORMAT,
      key,
      digest: SNAPSHOT.digest,
      publishedAt: "2025-06-01T12:00:00.000Z",
    });
  });

  it("accepts an identical object already there (alreadyPresent) and still moves the pointer", async () => {
    await publishBaseline(s3.client, { bucket: BUCKET }, SNAPSHOT, { now: NOW });
    await publishBaseline(s3.client, { bucket: BUCKET }, OTHER, { now: NOW });
    s3.mock.resetHistory();

    const again = await publishBaseline(s3.client, { bucket: BUCKET }, SNAPSHOT, { now: NOW });

    expect(again.alreadyPresent).toBe(true);
    // The conditional upload was refused (412), the stored copy was read back and checked.
    expect(s3.mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: BUCKET,
      Key: `baselines/sha256-${HEX}.json`,
    });
    const pointer = JSON.parse(s3.objects.get("baselines/current.json") ?? "");
    expect(pointer.digest).toBe(SNAPSHOT.digest);
  });

  it("refuses to point at a damaged object already stored under the digest", async () => {
    s3.objects.set(`baselines/sha256-${HEX}.json`, '{"format": "pgdrift.snapshot/v1"');

    const error = await storeError(publishBaseline(s3.client, { bucket: BUCKET }, SNAPSHOT));

    expect(error.code).toBe("baseline_corrupt");
    expect(error.message).toMatch(
      new RegExp(
        `^s3://${BUCKET}/baselines/sha256-${HEX}\\.json already exists but is damaged \\(not valid JSON`,
      ),
    );
    expect(error.message).toMatch(/delete that object and publish again$/);
    expect(s3.objects.has("baselines/current.json")).toBe(false);
  });

  it("refuses a snapshot whose objects do not match its digest, sending nothing", async () => {
    const edited = { ...SNAPSHOT, objects: OTHER.objects };

    const error = await storeError(publishBaseline(s3.client, { bucket: BUCKET }, edited));

    expect(error.code).toBe("baseline_digest_mismatch");
    expect(error.message).toMatch(/^refusing to publish: the snapshot says sha256:/);
    expect(s3.mock.calls()).toHaveLength(0);
  });

  it("names the object and the permission when S3 denies the upload, leaving the pointer alone", async () => {
    s3.mock.on(PutObjectCommand).rejects(s3Error("AccessDenied", 403, "Access Denied"));

    const error = await storeError(publishBaseline(s3.client, { bucket: BUCKET }, SNAPSHOT));

    expect(error.code).toBe("access_denied");
    expect(error.uri).toBe(`s3://${BUCKET}/baselines/sha256-${HEX}.json`);
    expect(error.message).toContain(`s3://${BUCKET}/baselines/sha256-${HEX}.json: access denied`);
    expect(error.message).toContain("s3:PutObject");
    expect(s3.mock.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it("says the bucket does not exist", async () => {
    const error = await storeError(
      publishBaseline(s3.client, { bucket: "no-such-bucket" }, SNAPSHOT),
    );
    expect(error.code).toBe("baseline_not_found");
    expect(error.message).toBe(
      "s3://no-such-bucket does not exist (or is in another account): check the bucket name",
    );
  });
});

describe("loadBaseline", () => {
  let s3: ReturnType<typeof fakeS3>;
  const location = { bucket: BUCKET, prefix: "shop/" };
  const key = `shop/baselines/sha256-${HEX}.json`;
  const pointerUri = `s3://${BUCKET}/shop/baselines/current.json`;

  beforeEach(() => {
    s3 = fakeS3(BUCKET);
  });

  function pointer(fields: Record<string, unknown> = {}): string {
    return JSON.stringify({
      format: BASELINE_POINTER_FORMAT,
      key,
      digest: SNAPSHOT.digest,
      publishedAt: NOW.toISOString(),
      ...fields,
    });
  }

  it("reads the pointer, then the baseline it names", async () => {
    await publishBaseline(s3.client, location, SNAPSHOT, { now: NOW });
    s3.mock.resetHistory();

    const loaded = await loadBaseline(s3.client, location);

    expect(loaded.key).toBe(key);
    expect(loaded.snapshot).toEqual(SNAPSHOT);
    expect(s3.mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: "shop/baselines/current.json" },
      { Bucket: BUCKET, Key: key },
    ]);
  });

  it("reads a pinned baseline without the pointer", async () => {
    await publishBaseline(s3.client, location, SNAPSHOT, { now: NOW });
    await publishBaseline(s3.client, location, OTHER, { now: NOW });
    s3.mock.resetHistory();

    const loaded = await loadBaseline(s3.client, location, { pin: SNAPSHOT.digest });

    expect(loaded.snapshot.digest).toBe(SNAPSHOT.digest);
    expect(s3.mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: key },
    ]);
  });

  it("says when nothing was published under the prefix", async () => {
    const error = await storeError(loadBaseline(s3.client, location));
    expect(error.code).toBe("baseline_not_found");
    expect(error.message).toBe(
      `${pointerUri} not found: no baseline has been published under this prefix (pgdrift baseline publish does it)`,
    );
  });

  it("says when the pointer names an object that is gone", async () => {
    s3.objects.set("shop/baselines/current.json", pointer());
    const error = await storeError(loadBaseline(s3.client, location));
    expect(error.code).toBe("baseline_not_found");
    expect(error.message).toMatch(new RegExp(`^s3://${BUCKET}/${key} not found`));
  });

  it("names a pinned digest that is not a digest", async () => {
    const error = await storeError(loadBaseline(s3.client, location, { pin: "latest" }));
    expect(error.code).toBe("pointer_invalid");
    expect(error.message).toContain('"latest" is not a baseline digest');
    expect(s3.mock.calls()).toHaveLength(0);
  });

  it.each([
    ["not JSON", "{", "is not valid JSON"],
    ["another format", pointer({ format: "v0" }), "is not a pgdrift.baseline-pointer/v1 pointer"],
    ["a bad digest", pointer({ digest: "sha256:xyz" }), "(digest: "],
    [
      "a key that is not its digest's",
      pointer({ key: "shop/baselines/anything.json" }),
      "names shop/baselines/anything.json, but a baseline with digest",
    ],
  ])("refuses a pointer with %s", async (_case, text, message) => {
    s3.objects.set("shop/baselines/current.json", text);
    const error = await storeError(loadBaseline(s3.client, location));
    expect(error.code).toBe("pointer_invalid");
    expect(error.uri).toBe(pointerUri);
    expect(error.message).toContain(message);
    expect(error.message.startsWith(pointerUri)).toBe(true);
  });

  it("refuses an object that is not a snapshot", async () => {
    s3.objects.set("shop/baselines/current.json", pointer());
    s3.objects.set(key, JSON.stringify({ format: "pgdrift.report/v1" }));
    const error = await storeError(loadBaseline(s3.client, location));
    expect(error.code).toBe("baseline_corrupt");
    expect(error.message).toBe(
      `s3://${BUCKET}/${key}: not a pgdrift snapshot: expected format "pgdrift.snapshot/v1", found "pgdrift.report/v1"`,
    );
  });

  it("refuses a snapshot whose objects were edited after its digest was computed", async () => {
    s3.objects.set("shop/baselines/current.json", pointer());
    s3.objects.set(key, serializeSnapshot({ ...SNAPSHOT, objects: OTHER.objects }));
    const error = await storeError(loadBaseline(s3.client, location));
    expect(error.code).toBe("baseline_corrupt");
    expect(error.message).toContain(`s3://${BUCKET}/${key}: digest mismatch`);
  });

  it("refuses a valid snapshot stored under another digest's key", async () => {
    s3.objects.set("shop/baselines/current.json", pointer());
    s3.objects.set(key, serializeSnapshot(OTHER));
    const error = await storeError(loadBaseline(s3.client, location));
    expect(error.code).toBe("baseline_digest_mismatch");
    expect(error.message).toBe(
      `s3://${BUCKET}/${key} holds baseline ${OTHER.digest.slice(0, 19)}…, but its key and the pointer name ${SNAPSHOT.digest.slice(0, 19)}…: refusing it (the object was replaced); publish the baseline again`,
    );
  });

  it("says a missing object may be a missing permission when S3 answers 403", async () => {
    s3.mock.on(GetObjectCommand).rejects(s3Error("AccessDenied", 403, "Access Denied"));
    const error = await storeError(loadBaseline(s3.client, location));
    expect(error.code).toBe("access_denied");
    expect(error.message).toContain("s3:GetObject");
    expect(error.message).toContain("without s3:ListBucket");
  });

  it("reports any other S3 failure with its name, on one line", async () => {
    s3.mock
      .on(GetObjectCommand)
      .rejects(s3Error("SlowDown", 503, "Please reduce your request rate.\nRetry."));
    const error = await storeError(loadBaseline(s3.client, location));
    expect(error.code).toBe("s3_error");
    expect(error.message).toBe(
      `${pointerUri}: could not read it (SlowDown: Please reduce your request rate.)`,
    );
  });
});
