import { Readable } from "node:stream";
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { sdkStreamMixin } from "@smithy/core/serde";
import { mockClient } from "aws-sdk-client-mock";

/** A GetObject body as the SDK returns it (a stream with transformToString). */
export function body(text: string): GetObjectCommandOutput["Body"] {
  return sdkStreamMixin(Readable.from([Buffer.from(text, "utf8")]));
}

export function noSuchKey(): NoSuchKey {
  return new NoSuchKey({ message: "The specified key does not exist.", $metadata: {} });
}

export function s3Error(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: "client",
    $metadata: { httpStatusCode: status },
    message,
  });
}

/**
 * A mocked S3 client backed by a Map: PutObject stores (honouring `IfNoneMatch: "*"` with a
 * 412, as S3 does), GetObject reads or fails with NoSuchKey. The mock records every command,
 * so tests still assert what was sent.
 */
export function fakeS3(bucket: string) {
  const client = new S3Client({ region: "eu-west-1" });
  const mock = mockClient(client);
  const objects = new Map<string, string>();
  mock.on(PutObjectCommand).callsFake((input: PutObjectCommand["input"]) => {
    if (input.Bucket !== bucket) throw s3Error("NoSuchBucket", 404);
    const key = input.Key ?? "";
    if (input.IfNoneMatch === "*" && objects.has(key)) throw s3Error("PreconditionFailed", 412);
    objects.set(key, String(input.Body));
    return { ETag: '"etag"' };
  });
  mock.on(GetObjectCommand).callsFake((input: GetObjectCommand["input"]) => {
    if (input.Bucket !== bucket) throw s3Error("NoSuchBucket", 404);
    const text = objects.get(input.Key ?? "");
    if (text === undefined) throw noSuchKey();
    return { Body: body(text) };
  });
  return { client, mock, objects };
}
