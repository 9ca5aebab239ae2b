import { ConfigError } from "../shared/config/errors.ts";
import { createPgdriftApp } from "./create-app.ts";
import { DriftAuditorPropsError } from "./errors.ts";

/**
 * `cdk synth` / `cdk deploy` entry point (cdk.json runs it with tsx). Reads
 * examples/aws/pgdrift.config.json, or the file given with `-c config=FILE`.
 */
try {
  const { app, warnings } = await createPgdriftApp();
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  app.synth();
} catch (error) {
  if (error instanceof ConfigError || error instanceof DriftAuditorPropsError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
