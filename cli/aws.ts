import type { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SFNClient } from "@aws-sdk/client-sfn";
import { BaselineStoreError } from "../shared/aws/baseline-store.ts";
import { CliError } from "./errors.ts";

/**
 * AWS clients for the commands that talk to AWS. Each SDK is imported here, on first use:
 * loading one costs a few hundred milliseconds (and prints a Node-version warning on Node 20),
 * which `audit` with a local baseline, `diff` or `demo` must never pay. Credentials and the
 * region come from the SDK's default chain (environment, profile, SSO, instance or task role)
 * unless `--region` is given.
 */

export async function createS3Client(region: string | undefined): Promise<S3Client> {
  const { S3Client } = await import("@aws-sdk/client-s3");
  // A bucket in another region than the configured one is found, not refused.
  return new S3Client({ ...(region ? { region } : {}), followRegionRedirects: true });
}

export async function createSfnClient(region: string | undefined): Promise<SFNClient> {
  const { SFNClient } = await import("@aws-sdk/client-sfn");
  return new SFNClient(region ? { region } : {});
}

export async function createCloudFormationClient(
  region: string | undefined,
): Promise<CloudFormationClient> {
  const { CloudFormationClient } = await import("@aws-sdk/client-cloudformation");
  return new CloudFormationClient(region ? { region } : {});
}

/** `--region eu-west-1`: checked before any client is made. */
export function checkRegion(region: string | undefined): string | undefined {
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new CliError(`--region ${region} is not an AWS region: use e.g. --region eu-west-1`);
  }
  return region;
}

/** What to do about an SDK failure that is about the caller's setup, not the service. */
function setupHint(error: unknown, regionFlag: boolean): string | undefined {
  const e = error as { name?: unknown; message?: unknown } | undefined;
  const name = typeof e?.name === "string" ? e.name : "";
  const message = typeof e?.message === "string" ? e.message : "";
  if (message === "Region is missing") {
    return `no AWS region: ${regionFlag ? "pass --region, or " : ""}set AWS_REGION (or a region in your AWS profile)`;
  }
  if (name === "CredentialsProviderError" || /could not load credentials/i.test(message)) {
    return "no AWS credentials found: set AWS_PROFILE (then aws sso login if it uses SSO), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance or task role applies";
  }
  if (/^(ExpiredToken|ExpiredTokenException|TokenRefreshRequired)$/.test(name)) {
    return "the AWS credentials have expired: refresh them (aws sso login, or new keys) and run again";
  }
  if (/^(UnrecognizedClientException|InvalidClientTokenId|InvalidAccessKeyId)$/.test(name)) {
    return "the AWS credentials are not valid in this account or region: check AWS_PROFILE and --region";
  }
  return undefined;
}

/**
 * One line for a failed AWS call: `<what>: <hint or the service's message>`. A
 * BaselineStoreError keeps its own message (it names the s3:// object) unless the cause is the
 * caller's setup (no region, no credentials), which is said plainly.
 */
export function awsFailure(
  error: unknown,
  what: string,
  options: { regionFlag?: boolean } = {},
): CliError {
  const cause = error instanceof BaselineStoreError ? error.cause : error;
  const hint = setupHint(cause, options.regionFlag ?? true);
  if (hint !== undefined) return new CliError(`${what}: ${hint}`, { cause: error });
  if (error instanceof BaselineStoreError) return new CliError(error.message, { cause: error });
  if (error instanceof CliError) return error;
  const e = error as { name?: unknown; message?: unknown } | undefined;
  const name = typeof e?.name === "string" ? e.name : "Error";
  const message = typeof e?.message === "string" ? e.message.split("\n")[0] : String(error);
  return new CliError(`${what}: ${name === "Error" ? "" : `${name}: `}${message}`, {
    cause: error,
  });
}
