/**
 * Helpers to acknowledge cdk-nag findings precisely. cdk-nag v3 acknowledges one finding
 * at a time (`AwsSolutions-IAM5[Resource::…]`, no prefix matching), and names a resource by
 * its flattened CloudFormation reference, so the id is computed here the way cdk-nag does.
 */
import { Stack } from "aws-cdk-lib";
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference.js";
import type { IConstruct } from "constructs";

/**
 * How cdk-nag spells `value` (an attribute of `producer`, e.g. a table ARN) in a finding on a
 * resource of `consumer`'s stack: `<LogicalId.Arn>` in the same stack, the export name across
 * stacks (`exportValue` gives the same name as CDK's automatic cross-stack reference).
 */
export function nagReference(consumer: IConstruct, producer: IConstruct, value: string): string {
  const consumerStack = Stack.of(consumer);
  const producerStack = Stack.of(producer);
  const reference = producerStack === consumerStack ? value : producerStack.exportValue(value);
  return flattenCfnReference(consumerStack.resolve(reference));
}
