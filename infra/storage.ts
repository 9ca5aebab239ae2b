import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { acknowledgeRule } from "./nag.ts";

/** Where the archive keeps environment and run reports (the Lambdas write under these). */
export const REPORTS_PREFIX = "reports/";
/** Per-(runId, environment) markers that keep a retried invocation from publishing twice. */
export const NOTIFICATIONS_PREFIX = "notifications/";

export interface AuditorStorageProps {
  readonly baselineBucket?: s3.IBucket;
  readonly archiveBucket?: s3.IBucket;
  readonly accessLogsBucket?: s3.IBucket;
  /** Object Lock (governance mode) default retention of the archive we create. */
  readonly archiveRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The baselines bucket and the report archive (created unless given), and the bucket their
 * server access logs go to. Every bucket made here is versioned, encrypted (SSE-S3: the
 * only encryption S3 server access logging accepts, and no key policy to keep in step),
 * TLS-only and closed to the public.
 */
export class AuditorStorage extends Construct {
  readonly baselineBucket: s3.IBucket;
  readonly archiveBucket: s3.IBucket;
  /** Undefined when both buckets were given and no logs bucket was. */
  readonly accessLogsBucket: s3.IBucket | undefined;

  constructor(scope: Construct, id: string, props: AuditorStorageProps) {
    super(scope, id);
    // Server access logs are delivered through a bucket policy for logging.s3.amazonaws.com,
    // not the legacy LogDeliveryWrite ACL (which needs ACLs enabled on the logs bucket).
    // Set here, before any child exists, so it holds whatever the app's feature flags say.
    this.node.setContext("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true);

    const needsLogs = props.baselineBucket === undefined || props.archiveBucket === undefined;
    this.accessLogsBucket =
      props.accessLogsBucket ?? (needsLogs ? this.createLogsBucket(props) : undefined);

    this.baselineBucket =
      props.baselineBucket ??
      new s3.Bucket(this, "BaselineBucket", {
        ...secureBucketProps(props.removalPolicy),
        serverAccessLogsBucket: this.accessLogsBucket,
        serverAccessLogsPrefix: "baselines/",
        lifecycleRules: [
          {
            id: "expire-replaced-baseline-versions",
            noncurrentVersionExpiration: Duration.days(365),
            abortIncompleteMultipartUploadAfter: Duration.days(7),
          },
        ],
      });

    this.archiveBucket =
      props.archiveBucket ??
      new s3.Bucket(this, "ArchiveBucket", {
        ...secureBucketProps(props.removalPolicy),
        serverAccessLogsBucket: this.accessLogsBucket,
        serverAccessLogsPrefix: "archive/",
        // Write-once: a report cannot be changed or deleted before its retention ends
        // (governance mode: only a principal with s3:BypassGovernanceRetention can).
        objectLockEnabled: true,
        objectLockDefaultRetention: s3.ObjectLockRetention.governance(
          Duration.days(props.archiveRetentionDays),
        ),
        lifecycleRules: [
          {
            id: "reports-to-cheaper-storage",
            transitions: [
              {
                storageClass: s3.StorageClass.INFREQUENT_ACCESS,
                transitionAfter: Duration.days(30),
              },
              {
                storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                transitionAfter: Duration.days(90),
              },
            ],
            abortIncompleteMultipartUploadAfter: Duration.days(7),
          },
        ],
      });
  }

  private createLogsBucket(props: AuditorStorageProps): s3.Bucket {
    const bucket = new s3.Bucket(this, "AccessLogsBucket", {
      ...secureBucketProps(props.removalPolicy),
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: "expire-access-logs",
          expiration: Duration.days(365),
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    acknowledgeRule(
      bucket,
      "AwsSolutions-S1",
      "This is the server access log bucket of the baselines and archive buckets; logging it into itself would log its own log deliveries",
    );
    return bucket;
  }
}

function secureBucketProps(removalPolicy: RemovalPolicy): s3.BucketProps {
  return {
    versioned: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    removalPolicy,
  };
}
