import type { RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";

/**
 * The drift notification topic: KMS-encrypted with a rotated key, publishing over TLS only.
 * CloudWatch alarms of this account may publish to it and use its key.
 */
export function createNotificationTopic(
  scope: Construct,
  id: string,
  removalPolicy: RemovalPolicy,
): sns.Topic {
  const key = new kms.Key(scope, `${id}Key`, {
    description: "pgdrift: encrypts the drift notification topic",
    enableKeyRotation: true,
    removalPolicy,
  });
  // CloudWatch alarms publish to the encrypted topic, so they must be able to use its key.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "AllowCloudWatchAlarmsToPublish",
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
      resources: ["*"],
    }),
  );
  const topic = new sns.Topic(scope, id, {
    displayName: "pgdrift schema drift",
    masterKey: key,
    enforceSSL: true,
  });
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: "AllowCloudWatchAlarms",
      principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["sns:Publish"],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { "aws:SourceAccount": topic.env.account },
      },
    }),
  );
  return topic;
}
