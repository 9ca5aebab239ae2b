import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { vi } from "vitest";

/*
 * Test helpers for the AWS adapters: SDK clients mocked with aws-sdk-client-mock (the
 * commands sent are what tests assert), an in-memory bucket behind the S3 mock so code can
 * read back what it wrote, and a capture of stdout, where Powertools writes logs and EMF.
 */

export const REGION = "eu-west-1";
export const ACCOUNT = "123456789012";
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:pgdrift-findings`;
export const BASELINE_BUCKET = "pgdrift-baselines-test";
export const ARCHIVE_BUCKET = "pgdrift-archive-test";

export function secretArn(name: string): string {
  return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
}

export function s3Error(name: string, status: number, message = name): S3ServiceException {
  const metadata = { $metadata: { httpStatusCode: status }, message };
  if (name === "NoSuchKey") return new NoSuchKey(metadata);
  if (name === "NotFound") return new NotFound(metadata);
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? "server" : "client",
    ...metadata,
  });
}

/** An SDK-style service error (`name`, `$metadata`, `$fault`), as any client rejects with. */
export function serviceError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
}

export interface MemoryBucket {
  /** `bucket/key` → body */
  readonly objects: Map<string, string>;
  get(bucket: string, key: string): string | undefined;
  put(bucket: string, key: string, body: string): void;
}

/**
 * Backs the S3 mock with a map: PutObject stores (honouring `IfNoneMatch: "*"` with a 412),
 * GetObject reads (NoSuchKey when absent), HeadObject answers (NotFound when absent).
 * Tests can still override one command with `.on(Command, input).rejects(...)`.
 */
export function memoryBucket(s3: AwsClientStub<S3Client>): MemoryBucket {
  const objects = new Map<string, string>();
  const id = (bucket: string, key: string) => `${bucket}/${key}`;
  s3.on(PutObjectCommand).callsFake(
    async (input: { Bucket: string; Key: string; Body: unknown; IfNoneMatch?: string }) => {
      const key = id(input.Bucket, input.Key);
      if (input.IfNoneMatch === "*" && objects.has(key)) {
        throw s3Error(
          "PreconditionFailed",
          412,
          "At least one of the pre-conditions you specified did not hold",
        );
      }
      objects.set(key, String(input.Body));
      return { ETag: '"etag"' };
    },
  );
  s3.on(GetObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
    const body = objects.get(id(input.Bucket, input.Key));
    if (body === undefined) throw s3Error("NoSuchKey", 404, "The specified key does not exist.");
    return { Body: { transformToString: async () => body } };
  });
  s3.on(HeadObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
    if (!objects.has(id(input.Bucket, input.Key))) throw s3Error("NotFound", 404, "Not Found");
    return {};
  });
  return {
    objects,
    get: (bucket, key) => objects.get(id(bucket, key)),
    put: (bucket, key, body) => {
      objects.set(id(bucket, key), body);
    },
  };
}

export interface AwsMocks {
  readonly s3Client: S3Client;
  readonly snsClient: SNSClient;
  readonly secretsClient: SecretsManagerClient;
  readonly s3: AwsClientStub<S3Client>;
  readonly sns: AwsClientStub<SNSClient>;
  readonly secrets: AwsClientStub<SecretsManagerClient>;
  readonly bucket: MemoryBucket;
}

/** Fresh clients, each with its own mock, and an in-memory S3. */
export function awsMocks(): AwsMocks {
  const s3Client = new S3Client({ region: REGION });
  const snsClient = new SNSClient({ region: REGION });
  const secretsClient = new SecretsManagerClient({ region: REGION });
  const s3 = mockClient(s3Client);
  const bucket = memoryBucket(s3);
  return {
    s3Client,
    snsClient,
    secretsClient,
    s3,
    sns: mockClient(snsClient),
    secrets: mockClient(secretsClient),
    bucket,
  };
}

export interface Captured {
  /** Everything written to stdout and stderr since the capture started. */
  text(): string;
  /** The JSON lines (Powertools logs and EMF records). */
  records(): Record<string, unknown>[];
  /** EMF records (those with `_aws`). */
  metrics(): Record<string, unknown>[];
  /** Log records (JSON lines without `_aws`). */
  logs(): Record<string, unknown>[];
  restore(): void;
}

/**
 * Captures stdout and stderr, where Powertools writes (one JSON document a line: logs, with
 * warnings and errors on stderr, and EMF records on stdout).
 */
export function captureOutput(): Captured {
  const chunks: string[] = [];
  const collect = (chunk: unknown) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString());
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, "write").mockImplementation(collect),
    vi.spyOn(process.stderr, "write").mockImplementation(collect),
  ];
  const records = () =>
    chunks
      .join("")
      .split("\n")
      .filter((line) => line.trim().startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    text: () => chunks.join(""),
    records,
    metrics: () => records().filter((record) => "_aws" in record),
    logs: () => records().filter((record) => !("_aws" in record)),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

export function testLogger(): Logger {
  return new Logger({ serviceName: "pgdrift-test", logLevel: "DEBUG" });
}

export function testMetrics(): Metrics {
  return new Metrics({ serviceName: "pgdrift-test", namespace: "pgdrift-test" });
}
