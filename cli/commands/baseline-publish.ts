import type { S3Client } from "@aws-sdk/client-s3";
import {
  BaselineStoreError,
  checkBucketName,
  normalizePrefix,
  publishBaseline,
} from "../../shared/aws/baseline-store.ts";
import { shortDigest } from "../../shared/report/describe.ts";
import { parseCommandArgs, requireValue, stringValue } from "../args.ts";
import { awsFailure, checkRegion, createS3Client } from "../aws.ts";
import { CliError } from "../errors.ts";
import { BASELINE_PUBLISH_HELP } from "../help.ts";
import type { Log } from "../io.ts";
import { readSnapshotFile } from "./snapshot.ts";

/** What the command uses from outside; tests pass a mocked client and capture stdout. */
export interface PublishDependencies {
  readonly s3?: S3Client;
  readonly stdout?: (text: string) => void;
  readonly now?: Date;
}

/** `--bucket B`: a bucket name, not a URI (the prefix has its own flag). */
function bucketValue(bucket: string): string {
  if (/^s3:\/\//i.test(bucket)) {
    throw new CliError(
      `--bucket takes a bucket name, not a URI: for ${bucket}, pass --bucket BUCKET --prefix PREFIX`,
    );
  }
  try {
    checkBucketName(bucket);
  } catch (error) {
    if (error instanceof BaselineStoreError) throw new CliError(`--bucket ${error.message}`);
    throw error;
  }
  return bucket;
}

/**
 * `pgdrift baseline publish --file F --bucket B [--prefix P] [--region R]`: checks the file is
 * a valid snapshot, uploads it content-addressed and moves the `current` pointer to it.
 */
export async function runBaselinePublish(
  argv: readonly string[],
  log: Log,
  deps: PublishDependencies = {},
): Promise<number> {
  const args = parseCommandArgs("baseline publish", argv, {
    file: { type: "string" },
    bucket: { type: "string" },
    prefix: { type: "string" },
    region: { type: "string" },
  });
  if (args.values.help) {
    process.stdout.write(BASELINE_PUBLISH_HELP);
    return 0;
  }
  const file = requireValue(args, "file", "baseline publish");
  const bucket = bucketValue(requireValue(args, "bucket", "baseline publish"));
  const prefix = normalizePrefix(stringValue(args, "prefix"));
  const region = checkRegion(stringValue(args, "region"));
  const write = deps.stdout ?? ((text: string) => process.stdout.write(text));

  const snapshot = await readSnapshotFile(file, "baseline file");
  if (snapshot.source.kind !== "migrations") {
    log(
      `warning: ${file} is a snapshot of database ${snapshot.source.database}, not a baseline built from migrations`,
    );
  }
  const destination = `s3://${bucket}/${prefix}`;
  log(`publishing ${file} (${shortDigest(snapshot.digest)}) to ${destination}…`);
  const s3 = deps.s3 ?? (await createS3Client(region));
  let result: Awaited<ReturnType<typeof publishBaseline>>;
  try {
    result = await publishBaseline(
      s3,
      { bucket, prefix },
      snapshot,
      deps.now ? { now: deps.now } : {},
    );
  } catch (error) {
    // The store turns every S3 or SDK failure into a BaselineStoreError; anything else is a bug.
    if (error instanceof BaselineStoreError) {
      throw awsFailure(error, `could not publish ${file} to ${destination}`);
    }
    throw error;
  }
  log(
    result.alreadyPresent
      ? `s3://${bucket}/${result.key} was already stored (same digest): not uploaded again`
      : `uploaded s3://${bucket}/${result.key}`,
  );
  log(`s3://${bucket}/${result.pointerKey} now names it: audits use this baseline from now on`);
  write(`key: ${result.key}\ndigest: ${result.digest}\n`);
  return 0;
}
