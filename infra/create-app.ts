import { App, type AppProps, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { loadConfig } from "../shared/config/load.ts";
import type { DriftAuditorCode } from "./drift-auditor.ts";
import { PgdriftStack } from "./stack.ts";

/** The config the app reads unless `-c config=FILE` names another. */
export const DEFAULT_CONFIG_FILE = "examples/aws/pgdrift.config.json";

export interface CreateAppOptions extends AppProps {
  /** pgdrift.config.json with an `aws` block. Default: the `config` context, then the example. */
  readonly configFile?: string;
  /** Prebuilt Lambda code instead of esbuild bundling (tests). */
  readonly code?: DriftAuditorCode;
}

export interface PgdriftApp {
  readonly app: App;
  readonly stack: PgdriftStack;
  /** Warnings about the config (a password in a URL, …), one line each. */
  readonly warnings: string[];
}

/**
 * The CDK app: one `Pgdrift` stack built from the config, checked by cdk-nag's AWS Solutions
 * rules at synth (an unacknowledged finding fails the synth). Environment-agnostic unless the
 * CLI provides an account and region, and never looks anything up: synth works offline.
 */
export async function createPgdriftApp(options: CreateAppOptions = {}): Promise<PgdriftApp> {
  const { configFile: given, code, ...appProps } = options;
  const app = new App(appProps);
  const fromContext: unknown = app.node.tryGetContext("config");
  const configFile =
    given ?? (typeof fromContext === "string" ? fromContext : undefined) ?? DEFAULT_CONFIG_FILE;
  const { config, warnings } = await loadConfig(configFile);

  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;
  const stack = new PgdriftStack(app, "Pgdrift", {
    description: "pgdrift schema-drift auditor: nightly and on-demand audits of PostgreSQL",
    config,
    configFile,
    ...(account && region ? { env: { account, region } } : {}),
    ...(code ? { code } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, warnings };
}
