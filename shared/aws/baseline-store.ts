import { createHash } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import type { Snapshot } from "../snapshot/model.ts";
import {
  digestObjects,
  parseSnapshot,
  SnapshotFormatError,
  serializeSnapshot,
} from "../snapshot/snapshot.ts";

/**
 * The S3 baseline store. Baselines are content-addressed by their snapshot digest
 * (`{prefix}baselines/sha256-<hex>.json`, written once), and a small pointer object
 * (`{prefix}baselines/current.json`) names the one audits use. Publishing uploads the
 * snapshot first and moves the pointer second, so the pointer never names a missing object.
 *
 * The S3 client is the caller's. The SDK module itself is imported on first use, inside the
 * functions below: a static import would be hoisted into the CLI bundle and loaded (with its
 * start-up cost and Node-version warning) by every command, even those that never touch AWS.
 */

export const BASELINE_POINTER_FORMAT = "pgdrift.baseline-pointer/v1";

/** Where baselines live: a bucket and an optional key prefix (`team/app/` or `team/app`). */
export interface BaselineLocation {
  readonly bucket: string;
  readonly prefix?: string;
}

/** The pointer object's content. */
export interface BaselinePointer {
  readonly format: typeof BASELINE_POINTER_FORMAT;
  readonly key: string;
  readonly digest: string;
  readonly publishedAt: string;
}

export interface PublishResult {
  /** Key of the content-addressed snapshot object. */
  readonly key: string;
  /** Key of the `current` pointer, now naming `key`. */
  readonly pointerKey: string;
  /** The snapshot's digest, `sha256:<hex>`. */
  readonly digest: string;
  /** True when the same baseline was already stored (the upload was skipped). */
  readonly alreadyPresent: boolean;
}

export type BaselineStoreErrorCode =
  /** The pointer, the baseline object or the bucket does not exist. */
  | "baseline_not_found"
  /** The object is not a valid snapshot (not JSON, wrong shape, objects not matching its digest). */
  | "baseline_corrupt"
  /** A valid snapshot, but not the one its key or the pointer names. */
  | "baseline_digest_mismatch"
  /** The pointer (or a pin) does not name a baseline in the expected form. */
  | "pointer_invalid"
  /** S3 refused the request (IAM or bucket policy; a missing key also reads as this without s3:ListBucket). */
  | "access_denied"
  /** Any other S3 or SDK failure (network, credentials, throttling…). */
  | "s3_error"
  /** An S3 URI or bucket name that cannot be used. */
  | "invalid_location";

/** A baseline that cannot be published or loaded; the message is one line naming `s3://bucket/key`. */
export class BaselineStoreError extends Error {
  readonly code: BaselineStoreErrorCode;
  /** `s3://bucket/key` of the object concerned (the bucket alone for a location error). */
  readonly uri: string;
  constructor(
    code: BaselineStoreErrorCode,
    uri: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BaselineStoreError";
    this.code = code;
    this.uri = uri;
  }
}

type S3Module = typeof import("@aws-sdk/client-s3");
let s3Module: Promise<S3Module> | undefined;

/** The SDK's command classes, imported once, when first needed. */
function s3Commands(): Promise<S3Module> {
  s3Module ??= import("@aws-sdk/client-s3");
  return s3Module;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const HEX_DIGEST = /^sha256:([0-9a-f]{64})$/;

/** `team/app` → `team/app/`; `` and `/` → ``. Keys never start with a slash. */
export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? "").replace(/^\/+/, "").replace(/\/+$/, "");
  return trimmed === "" ? "" : `${trimmed}/`;
}

export function checkBucketName(bucket: string): void {
  if (!BUCKET.test(bucket) || bucket.includes("..")) {
    throw new BaselineStoreError(
      "invalid_location",
      `s3://${bucket}`,
      `${JSON.stringify(bucket)} is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`,
    );
  }
}

/** `s3://bucket/team/app` → `{ bucket: "bucket", prefix: "team/app/" }`; `s3://bucket` → `{ bucket }`. */
export function parseS3Uri(uri: string): { bucket: string; prefix?: string } {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(uri);
  if (!match) {
    throw new BaselineStoreError(
      "invalid_location",
      uri,
      `${uri} is not an S3 URI: expected s3://bucket or s3://bucket/prefix`,
    );
  }
  const bucket = match[1] ?? "";
  checkBucketName(bucket);
  const prefix = normalizePrefix(match[2]);
  return prefix === "" ? { bucket } : { bucket, prefix };
}

/** Key of the content-addressed object for a digest: `{prefix}baselines/sha256-<hex>.json`. */
export function baselineKey(location: BaselineLocation, digest: string): string {
  const hex = HEX_DIGEST.exec(digest)?.[1];
  if (hex === undefined) {
    throw new BaselineStoreError(
      "pointer_invalid",
      `s3://${location.bucket}/${normalizePrefix(location.prefix)}baselines/`,
      `${JSON.stringify(digest)} is not a baseline digest: expected sha256:<64 hex digits>`,
    );
  }
  return `${normalizePrefix(location.prefix)}baselines/sha256-${hex}.json`;
}

/** Key of the pointer: `{prefix}baselines/current.json`. */
export function pointerKey(location: BaselineLocation): string {
  return `${normalizePrefix(location.prefix)}baselines/current.json`;
}

function uriOf(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

function sha256Base64(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

interface AwsErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function awsError(error: unknown): { name: string; status: number | undefined; message: string } {
  const e = (error ?? {}) as AwsErrorShape;
  return {
    name: typeof e.name === "string" ? e.name : "Error",
    status: e.$metadata?.httpStatusCode,
    message: typeof e.message === "string" ? e.message.split("\n")[0] || e.name || "" : "",
  };
}

interface FailureContext {
  /** What was being done, after "could not": `read it`, `upload it`. */
  readonly doing: string;
  /** What to do when the object is not there. */
  readonly missing: string;
  /** The IAM actions the request needed. */
  readonly needs: string;
}

/** Turns an SDK failure on `s3://bucket/key` into a BaselineStoreError saying what to check. */
function s3Failure(error: unknown, uri: string, context: FailureContext): BaselineStoreError {
  const { doing, missing, needs } = context;
  const { name, status, message } = awsError(error);
  if (name === "NoSuchKey" || name === "NotFound" || (status === 404 && name !== "NoSuchBucket")) {
    return new BaselineStoreError("baseline_not_found", uri, `${uri} not found: ${missing}`, {
      cause: error,
    });
  }
  if (name === "NoSuchBucket") {
    const bucket = uri.replace(/^(s3:\/\/[^/]+).*$/, "$1");
    return new BaselineStoreError(
      "baseline_not_found",
      uri,
      `${bucket} does not exist (or is in another account): check the bucket name`,
      { cause: error },
    );
  }
  if (name === "AccessDenied" || status === 403) {
    return new BaselineStoreError(
      "access_denied",
      uri,
      `${uri}: access denied (could not ${doing}): the caller needs ${needs} (without s3:ListBucket on the bucket, a missing object also reads as access denied)`,
      { cause: error },
    );
  }
  const detail = message && message !== name ? `${name}: ${message}` : name;
  return new BaselineStoreError("s3_error", uri, `${uri}: could not ${doing} (${detail})`, {
    cause: error,
  });
}

async function getText(
  s3: S3Client,
  bucket: string,
  key: string,
  missing: string,
  emptyCode: BaselineStoreErrorCode,
): Promise<string> {
  const { GetObjectCommand } = await s3Commands();
  const uri = uriOf(bucket, key);
  let text: string | undefined;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = await response.Body?.transformToString("utf8");
  } catch (error) {
    throw s3Failure(error, uri, { doing: "read it", missing, needs: "s3:GetObject" });
  }
  if (text === undefined || text === "") {
    throw new BaselineStoreError(emptyCode, uri, `${uri} is empty`);
  }
  return text;
}

/** Reads and checks one snapshot object (JSON, shape, objects matching its digest field). */
export async function loadBaselineObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<Snapshot> {
  const uri = uriOf(bucket, key);
  const text = await getText(
    s3,
    bucket,
    key,
    "publish a baseline with pgdrift baseline publish, or check the bucket and prefix",
    "baseline_corrupt",
  );
  try {
    return parseSnapshot(text, uri);
  } catch (error) {
    if (error instanceof SnapshotFormatError) {
      throw new BaselineStoreError("baseline_corrupt", uri, error.message, { cause: error });
    }
    throw error;
  }
}

const pointerSchema = z.object({
  format: z.literal(BASELINE_POINTER_FORMAT),
  key: z.string().min(1),
  digest: z.string().regex(HEX_DIGEST),
  publishedAt: z.string(),
});

async function readPointer(s3: S3Client, location: BaselineLocation): Promise<BaselinePointer> {
  const key = pointerKey(location);
  const uri = uriOf(location.bucket, key);
  const text = await getText(
    s3,
    location.bucket,
    key,
    "no baseline has been published under this prefix (pgdrift baseline publish does it)",
    "pointer_invalid",
  );
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new BaselineStoreError(
      "pointer_invalid",
      uri,
      `${uri} is not valid JSON: publish the baseline again to rewrite it`,
      { cause },
    );
  }
  const parsed = pointerSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    throw new BaselineStoreError(
      "pointer_invalid",
      uri,
      `${uri} is not a ${BASELINE_POINTER_FORMAT} pointer (${where}: ${issue?.message ?? "invalid"}): publish the baseline again to rewrite it`,
    );
  }
  const pointer = parsed.data;
  const expected = baselineKey(location, pointer.digest);
  if (pointer.key !== expected) {
    throw new BaselineStoreError(
      "pointer_invalid",
      uri,
      `${uri} names ${pointer.key}, but a baseline with digest ${pointer.digest.slice(0, 19)}… lives at ${expected}: publish the baseline again to rewrite it`,
    );
  }
  return pointer;
}

/**
 * Uploads a snapshot to `{prefix}baselines/sha256-<hex>.json` (only if absent: an object
 * already there is checked, not overwritten), then points `{prefix}baselines/current.json` at it.
 */
export async function publishBaseline(
  s3: S3Client,
  location: BaselineLocation,
  snapshot: Snapshot,
  options: { now?: Date } = {},
): Promise<PublishResult> {
  checkBucketName(location.bucket);
  const digest = digestObjects(snapshot.objects);
  const key = baselineKey(location, snapshot.digest);
  const uri = uriOf(location.bucket, key);
  if (digest !== snapshot.digest) {
    throw new BaselineStoreError(
      "baseline_digest_mismatch",
      uri,
      `refusing to publish: the snapshot says ${snapshot.digest.slice(0, 19)}…, its objects hash to ${digest.slice(0, 19)}… (edited or damaged); rebuild it`,
    );
  }
  const { PutObjectCommand } = await s3Commands();
  const body = serializeSnapshot(snapshot);
  let alreadyPresent = false;
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: key,
        Body: body,
        ContentType: "application/json",
        ChecksumSHA256: sha256Base64(body),
        IfNoneMatch: "*",
      }),
    );
  } catch (error) {
    const { name, status } = awsError(error);
    if (name !== "PreconditionFailed" && status !== 412) {
      throw s3Failure(error, uri, {
        doing: "upload it",
        missing: "check the bucket name",
        needs: "s3:PutObject",
      });
    }
    alreadyPresent = true;
  }
  if (alreadyPresent) {
    // Written once, never overwritten: make sure what is there is this baseline, intact.
    let existing: Snapshot;
    try {
      existing = await loadBaselineObject(s3, location.bucket, key);
    } catch (error) {
      if (!(error instanceof BaselineStoreError) || error.code !== "baseline_corrupt") throw error;
      throw new BaselineStoreError(
        "baseline_corrupt",
        uri,
        `${uri} already exists but is damaged (${error.message.replace(`${uri}: `, "")}): delete that object and publish again`,
        { cause: error },
      );
    }
    if (existing.digest !== snapshot.digest) {
      throw new BaselineStoreError(
        "baseline_digest_mismatch",
        uri,
        `${uri} already exists but holds baseline ${existing.digest.slice(0, 19)}…: delete that object and publish again`,
      );
    }
  }

  const pointer: BaselinePointer = {
    format: BASELINE_POINTER_FORMAT,
    key,
    digest: snapshot.digest,
    publishedAt: (options.now ?? new Date()).toISOString(),
  };
  const pointerText = `${JSON.stringify(pointer, null, 2)}\n`;
  const currentKey = pointerKey(location);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: currentKey,
        Body: pointerText,
        ContentType: "application/json",
        ChecksumSHA256: sha256Base64(pointerText),
        CacheControl: "no-cache",
      }),
    );
  } catch (error) {
    throw s3Failure(error, uriOf(location.bucket, currentKey), {
      doing: `move the pointer (the baseline itself is stored at ${uri})`,
      missing: "check the bucket name",
      needs: "s3:PutObject",
    });
  }
  return { key, pointerKey: currentKey, digest: snapshot.digest, alreadyPresent };
}

/**
 * Loads the baseline the `current` pointer names, or the one pinned by digest
 * (`pin: "sha256:<hex>"`), and checks it is exactly that baseline: a valid snapshot whose
 * objects match its digest, and whose digest is the one in its key and in the pointer.
 */
export async function loadBaseline(
  s3: S3Client,
  location: BaselineLocation,
  options: { pin?: string } = {},
): Promise<{ snapshot: Snapshot; key: string }> {
  checkBucketName(location.bucket);
  const expected =
    options.pin !== undefined
      ? { key: baselineKey(location, options.pin), digest: options.pin, via: "the pin" }
      : { ...(await readPointer(s3, location)), via: "the pointer" };
  const snapshot = await loadBaselineObject(s3, location.bucket, expected.key);
  if (snapshot.digest !== expected.digest) {
    const uri = uriOf(location.bucket, expected.key);
    throw new BaselineStoreError(
      "baseline_digest_mismatch",
      uri,
      `${uri} holds baseline ${snapshot.digest.slice(0, 19)}…, but its key and ${expected.via} name ${expected.digest.slice(0, 19)}…: refusing it (the object was replaced); publish the baseline again`,
    );
  }
  return { snapshot, key: expected.key };
}
