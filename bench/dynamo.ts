/** DynamoDB helpers shared by the benchmarks that run against DynamoDB Local. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { AwsBillingMeter } from "./aws-billing.ts";

/** Low-level and document clients for a DynamoDB Local endpoint. */
export function localClients(endpoint: string) {
  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, doc };
}

/** Counts every request by command name, and the capacity DynamoDB reports for transactions. */
export function countRequests(doc: DynamoDBDocumentClient) {
  const counter = { requests: new Map<string, number>(), consumed: 0 };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? "unknown";
      if (name === "TransactWriteItemsCommand") {
        (args.input as Record<string, unknown>).ReturnConsumedCapacity = "TOTAL";
      }
      counter.requests.set(name, (counter.requests.get(name) ?? 0) + 1);
      const out = await next(args);
      const capacity = (out.output as { ConsumedCapacity?: { CapacityUnits?: number }[] })
        .ConsumedCapacity;
      for (const c of capacity ?? []) counter.consumed += c.CapacityUnits ?? 0;
      return out;
    },
    { step: "initialize", name: "benchRequestCounter" },
  );
  return counter;
}

/** DynamoDB item size as AWS counts it (bench/aws-billing.ts holds the rules). */
export { itemBytes } from "./aws-billing.ts";

/**
 * Clients for `endpoint` whose document client is metered as AWS would bill it; the meter's
 * own reads go through a second, unmetered pair of clients.
 */
export function meteredClients(endpoint: string) {
  const metered = localClients(endpoint);
  const unmetered = localClients(endpoint);
  const meter = new AwsBillingMeter(metered.doc, unmetered.doc, unmetered.client);
  return { ...metered, meter };
}
