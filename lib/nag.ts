/**
 * Helpers to acknowledge cdk-nag findings precisely. cdk-nag v3 acknowledges one finding
 * at a time (`AwsSolutions-IAM5[Resource::…]`, no prefix matching), and names a resource by
 * its flattened CloudFormation reference, so the id is computed here the way cdk-nag does.
 */
import { Stack } from "aws-cdk-lib";
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference.js";
import type { IConstruct } from "constructs";

/**
 * How cdk-nag spells `value` (e.g. a function ARN, or a table ARN read from an SSM
 * parameter) in a finding on a resource of `consumer`'s stack: `<LogicalId.Arn>`.
 */
export function nagReference(consumer: IConstruct, value: string): string {
  return flattenCfnReference(Stack.of(consumer).resolve(value));
}
