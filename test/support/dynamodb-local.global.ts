/**
 * Vitest global setup for the integration project: one DynamoDB Local per test run, on a free
 * port, stopped in teardown. Tests reach it through `inject("dynamoEndpoint")`; see dynamo.ts.
 * If the run is killed, the harness's watchdog still takes the JVM down.
 */
import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../lib/local/dynamodb-local.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Endpoint of the test run's DynamoDB Local, e.g. http://127.0.0.1:41234 */
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const local = await startDynamoDbLocal();
  project.provide("dynamoEndpoint", local.endpoint);
  return async function teardown() {
    await local.stop();
  };
}
