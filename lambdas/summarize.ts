import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import type { Context } from "aws-lambda";
import { EventValidationError } from "../shared/aws/errors.ts";
import { parseSummarizeEvent, type SummarizeResult } from "../shared/aws/events.ts";
import type { MessageOptions } from "../shared/aws/messages.ts";
import { type SummaryDependencies, summarizeAudits } from "../shared/aws/run-summary.ts";
import { once, readSummarizeSettings, type SummarizeLambdaSettings } from "./env.ts";

/**
 * The summarize Lambda: after the Map, builds the run report from the environments' archived
 * reports (or their failures), archives it and publishes one run summary. The work is in
 * shared/aws/run-summary.ts.
 */

export interface SummarizeHandlerOptions {
  readonly settings: SummarizeLambdaSettings;
  readonly s3?: S3Client;
  readonly sns?: SNSClient;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  readonly now?: () => Date;
  readonly message?: MessageOptions;
}

export type SummarizeHandler = (event: unknown, context?: Context) => Promise<SummarizeResult>;

interface Runtime extends SummaryDependencies {
  readonly logger: Logger;
}

function runtime(options: SummarizeHandlerOptions): Runtime {
  const { settings } = options;
  return {
    s3: options.s3 ?? new S3Client({}),
    sns: options.sns ?? new SNSClient({}),
    archiveBucket: settings.archiveBucket,
    topicArn: settings.topicArn,
    logger: options.logger ?? new Logger({ serviceName: settings.serviceName }),
    metrics:
      options.metrics ??
      new Metrics({ serviceName: settings.serviceName, namespace: settings.metricsNamespace }),
    ...(options.now ? { now: options.now } : {}),
    ...(options.message ? { message: options.message } : {}),
  };
}

export function createSummarizeHandler(
  options: SummarizeHandlerOptions | (() => SummarizeHandlerOptions),
): SummarizeHandler {
  const deps = once(() => runtime(typeof options === "function" ? options() : options));
  return async (event, context) => {
    const d = deps();
    if (context) d.logger.addContext(context);
    let parsed: ReturnType<typeof parseSummarizeEvent>;
    try {
      parsed = parseSummarizeEvent(event);
    } catch (error) {
      if (error instanceof EventValidationError) {
        d.logger.error("invalid summarize event", { field: error.field, error: error.message });
      }
      throw error;
    }
    d.logger.appendKeys({ runId: parsed.runId });
    try {
      return await summarizeAudits(parsed, d);
    } catch (error) {
      d.logger.error("run summary not recorded", {
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    } finally {
      d.logger.removeKeys(["runId"]);
    }
  };
}

/** The Lambda entry point: settings from the environment, read once per container. */
export const handler: SummarizeHandler = createSummarizeHandler(() => ({
  settings: readSummarizeSettings(process.env),
}));
