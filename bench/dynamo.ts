/** DynamoDB helpers shared by the benchmarks that run against DynamoDB Local. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

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

/** Approximate DynamoDB item size: attribute names plus values, as AWS counts it. */
export function itemBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === "boolean") return 1;
  if (typeof value === "number") {
    return 1 + Math.ceil(String(value).replace(/^-|\.|e.*$/g, "").length / 2);
  }
  if (typeof value === "string") return Buffer.byteLength(value);
  if (value instanceof Set) return [...value].reduce((n: number, v) => n + itemBytes(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + itemBytes(v), 0);
  return (
    3 + Object.entries(value).reduce((n, [k, v]) => n + Buffer.byteLength(k) + 1 + itemBytes(v), 0)
  );
}
