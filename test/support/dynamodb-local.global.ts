/** Vitest global setup: one DynamoDB Local for the whole test run, on a free port. */
import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../lib/local/dynamodb-local.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const local = await startDynamoDbLocal();
  project.provide("dynamoEndpoint", local.endpoint);
  return async () => {
    await local.stop();
  };
}
