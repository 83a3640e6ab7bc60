/**
 * The benchmarks' AWS-billing meter on DynamoDB Local: request units as AWS bills them,
 * where DynamoDB Local reports 1 per transaction item whatever the item's size.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AwsBillingMeter, itemBytes } from "../../bench/aws-billing.ts";
import { freshTable, LOCAL_CLIENT_CONFIG, testClients } from "../support/dynamo.ts";

const KB = 1024;
let table: string;
let doc: DynamoDBDocumentClient;
let meter: AwsBillingMeter;

/** An item of `bytes` bytes exactly (pk, sk and a padding string). */
function itemOf(pk: string, sk: string, bytes: number, extra: Record<string, unknown> = {}) {
  const base = { pk, sk, ...extra, pad: "" };
  return { ...base, pad: "x".repeat(bytes - itemBytes(base)) };
}

beforeAll(async () => {
  table = (await freshTable("meter")).tableName;
  // A metered pair of clients of its own: the meter's middleware must not see its own reads.
  const { endpoint } = testClients();
  const client = new DynamoDBClient({ endpoint, ...LOCAL_CLIENT_CONFIG });
  doc = DynamoDBDocumentClient.from(client);
  meter = new AwsBillingMeter(doc, testClients().doc, testClients().client);
});

beforeEach(() => meter.reset());

describe("AwsBillingMeter", () => {
  it("bills a put per started KB and an update on the larger of before and after", async () => {
    await doc.send(new PutCommand({ TableName: table, Item: itemOf("A#1", "X", 3 * KB + 1) }));
    expect(meter.snapshot().wcu).toBe(4);
    meter.reset();
    // A 1-byte counter on a 3 KB item still costs the whole item.
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: "A#1", sk: "X" },
        UpdateExpression: "ADD n :one",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
    expect(meter.snapshot().wcu).toBe(4);
    meter.reset();
    await doc.send(new DeleteCommand({ TableName: table, Key: { pk: "A#1", sk: "X" } }));
    expect(meter.snapshot().wcu).toBe(4);
  });

  it("doubles transactional writes, prices a condition check as a write of the checked item", async () => {
    await doc.send(new PutCommand({ TableName: table, Item: itemOf("A#2", "BIG", 5 * KB) }));
    meter.reset();
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: itemOf("A#2", "NEW", 500) } },
          {
            Update: {
              TableName: table,
              Key: { pk: "A#2", sk: "BIG" },
              UpdateExpression: "SET flag = :t",
              ExpressionAttributeValues: { ":t": true },
            },
          },
        ],
      }),
    );
    // 2 × 1 for the 500-byte put, 2 × 6 for the update of a 5 KB item growing past it.
    expect(meter.snapshot().wcu).toBe(2 * 1 + 2 * 6);
    meter.reset();
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: table,
              Key: { pk: "A#2", sk: "BIG" },
              ConditionExpression: "attribute_exists(pk)",
            },
          },
          { Put: { TableName: table, Item: itemOf("A#2", "OTHER", 100) } },
        ],
      }),
    );
    expect(meter.snapshot().wcu).toBe(2 * 6 + 2 * 1);
  });

  it("bills a write whose condition fails, and lets the failure through", async () => {
    await doc.send(new PutCommand({ TableName: table, Item: itemOf("A#3", "X", 2 * KB) }));
    meter.reset();
    await expect(
      doc.send(
        new PutCommand({
          TableName: table,
          Item: itemOf("A#3", "X", 100),
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).rejects.toThrow(/conditional/i);
    expect(meter.snapshot().wcu).toBe(2);
    const stored = await testClients().doc.send(
      new GetCommand({ TableName: table, Key: { pk: "A#3", sk: "X" } }),
    );
    expect(itemBytes(stored.Item)).toBe(2 * KB);
  });

  it("bills reads per 4 KB: a Query on its summed sizes, a BatchGet per item, misses included", async () => {
    for (const [sk, bytes] of [
      ["a", 1500],
      ["b", 1500],
      ["c", 1500],
    ] as const) {
      await doc.send(new PutCommand({ TableName: table, Item: itemOf("A#4", sk, bytes) }));
    }
    meter.reset();
    const out = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": "A#4" },
        ConsistentRead: true,
        // A projection returns less but is billed on the whole items read.
        ProjectionExpression: "sk",
      }),
    );
    expect(out.Items).toHaveLength(3);
    expect(meter.snapshot().rcu).toBe(2); // 4,500 bytes: two 4 KB units
    meter.reset();
    await doc.send(
      new BatchGetCommand({
        RequestItems: {
          [table]: {
            Keys: ["a", "b", "missing"].map((sk) => ({ pk: "A#4", sk })),
          },
        },
      }),
    );
    // Eventually consistent: half a unit per item, found or not.
    expect(meter.snapshot().rcu).toBe(1.5);
  });

  it("bills index maintenance when a write carries an index's keys", async () => {
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: itemOf("A#5", "S", 1500, { tierPk: "TIER#healthy", tierSk: "090.00#a" }),
      }),
    );
    // 2 for the table, 2 for the byTier projection (ALL) of the same 1,500 bytes.
    expect(meter.snapshot()).toMatchObject({ wcu: 2, gsiWcu: 2 });
    meter.reset();
    await doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: "A#5", sk: "S" },
        UpdateExpression: "SET tierPk = :t",
        ExpressionAttributeValues: { ":t": "TIER#at-risk" },
      }),
    );
    // The index key moved: a delete and a put in the index.
    expect(meter.snapshot()).toMatchObject({ wcu: 2, gsiWcu: 4 });
    meter.reset();
    meter.enabled = false;
    await doc.send(new DeleteCommand({ TableName: table, Key: { pk: "A#5", sk: "S" } }));
    expect(meter.snapshot()).toMatchObject({ wcu: 0, gsiWcu: 0, rcu: 0 });
  });
});
