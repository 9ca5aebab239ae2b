import { ArnFormat, Stack, Token } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { acknowledgeWildcardResource } from "./nag.ts";

/** How the audit Lambda signs in to one environment: what its IAM policy must allow. */
export interface DatabaseCredentials {
  readonly secretArn?: string;
  readonly secretKmsKeyArn?: string;
  readonly iamUser?: string;
  readonly dbResourceId?: string;
}

/**
 * What the audit Lambda's role needs to sign in to the environments' databases: their secrets
 * (and the customer-managed keys they are encrypted with), or `rds-db:connect` as their IAM
 * users. Nothing when no environment uses either.
 */
export function grantDatabaseSignIn(
  role: iam.Role,
  credentials: readonly DatabaseCredentials[],
): void {
  const stack = Stack.of(role);
  const secretArns = [
    ...new Set(credentials.flatMap((c) => (c.secretArn ? [secretResourceArn(c.secretArn)] : []))),
  ];
  if (secretArns.length > 0) {
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "ReadDatabaseSecrets",
        actions: ["secretsmanager:GetSecretValue"],
        resources: secretArns,
      }),
    );
  }
  // Secrets encrypted with a customer-managed key: Secrets Manager decrypts them with the
  // caller's permission on the key, so the role may use it, and only through Secrets Manager.
  const secretKeys = [
    ...new Set(credentials.flatMap((c) => (c.secretKmsKeyArn ? [c.secretKmsKeyArn] : []))),
  ];
  if (secretKeys.length > 0) {
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "DecryptDatabaseSecrets",
        actions: ["kms:Decrypt"],
        resources: secretKeys,
        conditions: {
          StringEquals: {
            "kms:ViaService": `secretsmanager.${stack.region}.amazonaws.com`,
          },
        },
      }),
    );
  }

  const dbUsers = [
    ...new Set(
      credentials.flatMap((c) =>
        c.iamUser
          ? [
              stack.formatArn({
                service: "rds-db",
                resource: "dbuser",
                resourceName: `${c.dbResourceId ?? "*"}/${c.iamUser}`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ]
          : [],
      ),
    ),
  ];
  if (dbUsers.length > 0) {
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: "ConnectWithRdsIamAuth",
        actions: ["rds-db:connect"],
        resources: dbUsers,
      }),
    );
    for (const arn of dbUsers.filter((a) => a.includes("dbuser:*/"))) {
      acknowledgeWildcardResource(
        role,
        arn,
        "RDS IAM authentication for one named database user; the instance or cluster resource id is not known at synth time (set dbResourceId on the environment to narrow it)",
      );
    }
  }
}

/**
 * The IAM resource for a secret ARN. A complete ARN ends with the six characters Secrets
 * Manager appends to the name; a partial one (name only) needs `-??????` to match them.
 */
export function secretResourceArn(arn: string): string {
  if (Token.isUnresolved(arn)) return arn; // a Secret's secretArn: always the complete ARN
  const name = arn.split(":secret:")[1] ?? "";
  return /-[A-Za-z0-9]{6}$/.test(name) ? arn : `${arn}-??????`;
}
