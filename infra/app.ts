import { App, Stack } from "aws-cdk-lib";

/**
 * The CDK app. The drift-auditor resources (scheduled and on-demand audits, Lambdas, S3
 * baseline and report archive, SNS notifications) arrive with the AWS integration; until
 * then the stack is empty, so `cdk synth` already works offline and without credentials.
 */
const app = new App();
new Stack(app, "Pgdrift", { description: "pgdrift schema-drift auditor" });
app.synth();
