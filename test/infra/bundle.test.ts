import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DriftAuditor } from "../../infra/drift-auditor.ts";
import { REPO_ROOT } from "../../infra/functions.ts";
import { type CfnJson, ENV, ENVIRONMENTS } from "./support.ts";

const run = promisify(execFile);
const MAX_BUNDLE_BYTES = 1.5 * 1024 * 1024;

/** Imports the bundle in a fresh Node process and calls its handler with an invalid event. */
const PROBE = `
const bundle = await import(process.env.BUNDLE_URL);
if (typeof bundle.handler !== "function") throw new Error("no handler export");
try {
  await bundle.handler({ environment: "probe" });
  console.log("accepted");
} catch (error) {
  console.log(error.name);
}
`;

describe("audit Lambda bundle", () => {
  let outdir: string;
  let bundle: string;

  beforeAll(async () => {
    // Inside the repository, so that the bundle's external @aws-sdk/* imports resolve from
    // node_modules as they do from the Lambda runtime.
    await mkdir(join(REPO_ROOT, "cdk.out"), { recursive: true });
    outdir = await mkdtemp(join(REPO_ROOT, "cdk.out", "vitest-bundle-"));
    const app = new App({ outdir });
    const stack = new Stack(app, "Bundle", { env: ENV });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, "Vpc", {
      vpcId: "vpc-0123456789abcdef0",
      availabilityZones: ["eu-west-1a"],
      privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa"],
      privateSubnetRouteTableIds: ["rtb-0aaaaaaaaaaaaaaaa"],
    });
    const auditor = new DriftAuditor(stack, "Auditor", { environments: ENVIRONMENTS, vpc });
    app.synth();
    const audit: CfnJson =
      Template.fromStack(stack).toJSON().Resources[
        stack.getLogicalId(auditor.auditFunction.node.defaultChild as never)
      ];
    const asset = String(audit.Properties.Code.S3Key).replace(/\.zip$/, "");
    bundle = join(outdir, `asset.${asset}`, "index.mjs");
  }, 120_000);

  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
    // Leave no empty cdk.out behind; one holding a real synth stays (rmdir refuses).
    await rmdir(join(REPO_ROOT, "cdk.out")).catch(() => undefined);
  });

  it("is bundled by esbuild under 1.5 MB", async () => {
    const { size } = await stat(bundle);

    expect(size).toBeGreaterThan(10_000);
    expect(size).toBeLessThan(MAX_BUNDLE_BYTES);
  });

  it("loads in Node.js and exports a handler that validates its event", async () => {
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", PROBE], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        BUNDLE_URL: pathToFileURL(bundle).href,
        AWS_REGION: "eu-west-1",
        BASELINE_BUCKET: "pgdrift-baselines",
        BASELINE_PREFIX: "",
        ARCHIVE_BUCKET: "pgdrift-archive",
        TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:pgdrift",
        POWERTOOLS_SERVICE_NAME: "pgdrift",
        POWERTOOLS_METRICS_NAMESPACE: "pgdrift",
        POWERTOOLS_DEV: "true",
      },
    });

    expect(stdout.trim().split("\n").at(-1)).toBe("EventValidationError");
  });
});
