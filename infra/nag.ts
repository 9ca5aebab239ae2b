import { Stack, Validations } from "aws-cdk-lib";
import type * as iam from "aws-cdk-lib/aws-iam";
import type { IConstruct } from "constructs";

/*
 * cdk-nag acknowledgements, one finding at a time. cdk-nag 3 names a wildcard finding by the
 * flattened CloudFormation value of the resource (`Resource::<ArchiveBucket1234.Arn>/reports/*`),
 * so the id is computed here from the same token the policy uses instead of being copied by
 * hand from a synth: renaming a construct cannot silently leave a stale acknowledgement.
 */

/** A resolved CloudFormation value as cdk-nag prints it: `Fn::GetAtt` → `<Id.Attr>`, `Ref` → `<Id>`. */
export function flattenCfnValue(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value.replace(/\$\{/g, "<").replace(/\}/g, ">");
  if (value !== null && typeof value === "object") {
    const node = value as Record<string, unknown>;
    const join = node["Fn::Join"];
    if (Array.isArray(join)) {
      const [delimiter, items] = join as [string, unknown[]];
      return items.map(flattenCfnValue).join(delimiter);
    }
    if (node["Fn::Sub"] !== undefined) return flattenCfnValue(node["Fn::Sub"]);
    const getAtt = node["Fn::GetAtt"];
    if (Array.isArray(getAtt)) {
      return `<${flattenCfnValue(getAtt[0])}.${flattenCfnValue(getAtt[1])}>`;
    }
    if (node["Fn::ImportValue"] !== undefined) return flattenCfnValue(node["Fn::ImportValue"]);
    if (node.Ref !== undefined) return `<${flattenCfnValue(node.Ref)}>`;
  }
  return JSON.stringify(value);
}

/** The AwsSolutions-IAM5 finding id for a wildcard resource in a policy under `scope`. */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnValue(Stack.of(scope).resolve(resource))}]`;
}

/** Acknowledges one wildcard resource (AwsSolutions-IAM5) on `scope`, with the reason it is needed. */
export function acknowledgeWildcardResource(
  scope: IConstruct,
  resource: string,
  reason: string,
): void {
  Validations.of(scope).acknowledge({ id: wildcardResourceFinding(scope, resource), reason });
}

/**
 * Acknowledges every wildcard resource of one policy that CDK writes for us (its resources are
 * not ours to name), each as its own finding with the same reason.
 */
export function acknowledgeGeneratedPolicyWildcards(policy: iam.Policy, reason: string): void {
  const document = Stack.of(policy).resolve(policy.document) as {
    Statement?: { Effect?: string; Resource?: unknown }[];
  };
  for (const statement of document.Statement ?? []) {
    if (statement.Effect !== "Allow") continue;
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const resource of resources) {
      const flat = flattenCfnValue(resource);
      if (!flat.includes("*")) continue;
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
    }
  }
}

/** Acknowledges one cdk-nag rule on `scope`, with the reason it does not apply. */
export function acknowledgeRule(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
