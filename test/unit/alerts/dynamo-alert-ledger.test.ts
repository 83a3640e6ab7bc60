import "aws-sdk-client-mock-vitest/extend";
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { alertPk, DynamoAlertLedger } from "../../../functions/adapters/dynamo/alert-ledger.ts";
import { AlertInFlightError } from "../../../functions/alerts/deliver-once.ts";

const TABLE = "health-test";
const NOW = Date.parse("2025-06-01T09:00:00.000Z");
const DAY_S = 86_400;

const db = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" }));

afterEach(() => {
  db.reset();
});

function ledger() {
  return new DynamoAlertLedger(doc, {
    tableName: TABLE,
    now: () => NOW,
    newLeaseId: () => "lease-1",
  });
}

/** The error DynamoDB returns when the condition fails, with the old item if it was asked for. */
function conditionFailed(item?: Record<string, AttributeValue>) {
  return new ConditionalCheckFailedException({
    message: "The conditional request failed",
    $metadata: {},
    ...(item ? { Item: item } : {}),
  });
}

describe("DynamoAlertLedger.claim", () => {
  it("puts a sending marker with a lease, conditional on no live claim", async () => {
    // Arrange
    db.on(PutCommand).resolves({});
    // Act
    const result = await ledger().claim("evt-1");
    // Assert
    expect(result).toEqual({ outcome: "claimed", claim: { eventId: "evt-1", leaseId: "lease-1" } });
    expect(db).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      Item: expect.objectContaining({
        pk: "ALERT#evt-1",
        sk: "SLACK",
        status: "sending",
        leaseId: "lease-1",
        leaseUntil: NOW + 30_000,
        expiresAt: Math.floor(NOW / 1000) + 30 * DAY_S,
      }),
      ConditionExpression:
        "attribute_not_exists(pk) OR (#status = :sending AND leaseUntil <= :now)",
      ExpressionAttributeValues: { ":sending": "sending", ":now": NOW },
      ReturnValues: "ALL_OLD",
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    });
  });

  it("answers abandoned when the put replaced an expired claim", async () => {
    db.on(PutCommand).resolves({
      Attributes: { pk: "ALERT#evt-1", sk: "SLACK", status: "sending", leaseUntil: NOW - 1 },
    });

    await expect(ledger().claim("evt-1")).resolves.toEqual({
      outcome: "abandoned",
      claim: { eventId: "evt-1", leaseId: "lease-1" },
    });
  });

  it.each([
    "sent",
    "sent-unconfirmed",
  ])("answers alreadySent when the marker says %s", async (status) => {
    db.on(PutCommand).rejects(conditionFailed({ status: { S: status } }));

    await expect(ledger().claim("evt-1")).resolves.toEqual({ outcome: "alreadySent", status });
  });

  it("throws a retryable error while another claim's lease runs", async () => {
    db.on(PutCommand).rejects(
      conditionFailed({ status: { S: "sending" }, leaseUntil: { N: String(NOW + 10_000) } }),
    );

    const error = await ledger()
      .claim("evt-1")
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AlertInFlightError);
    expect(error).toMatchObject({ eventId: "evt-1", leaseUntil: NOW + 10_000 });
  });

  it("reads the marker when the failed condition returns no item", async () => {
    db.on(PutCommand).rejects(conditionFailed());
    db.on(GetCommand).resolves({ Item: { pk: alertPk("evt-1"), sk: "SLACK", status: "sent" } });

    await expect(ledger().claim("evt-1")).resolves.toEqual({
      outcome: "alreadySent",
      status: "sent",
    });
    expect(db).toHaveReceivedCommandWith(GetCommand, {
      Key: { pk: "ALERT#evt-1", sk: "SLACK" },
      ConsistentRead: true,
    });
  });

  it("passes other DynamoDB errors through", async () => {
    db.on(PutCommand).rejects(
      new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} }),
    );

    await expect(ledger().claim("evt-1")).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });

  it("uses the configured channel as sort key and lease length", async () => {
    db.on(PutCommand).resolves({});
    const email = new DynamoAlertLedger(doc, {
      tableName: TABLE,
      channel: "EMAIL",
      leaseMs: 5_000,
      now: () => NOW,
    });

    await email.claim("evt-1");

    expect(db).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ sk: "EMAIL", leaseUntil: NOW + 5_000 }),
    });
  });
});

describe("DynamoAlertLedger.markSent", () => {
  it.each([
    "sent",
    "sent-unconfirmed",
  ] as const)("sets status %s with a 30-day TTL and drops the lease", async (status) => {
    db.on(UpdateCommand).resolves({});

    await ledger().markSent({ eventId: "evt-1", leaseId: "lease-1" }, status);

    expect(db).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { pk: "ALERT#evt-1", sk: "SLACK" },
      UpdateExpression:
        "SET #status = :sent, sentAt = :sentAt, #ttl = :ttl REMOVE leaseId, leaseUntil",
      ExpressionAttributeNames: { "#status": "status", "#ttl": "expiresAt" },
      ExpressionAttributeValues: {
        ":sent": status,
        ":sentAt": "2025-06-01T09:00:00.000Z",
        ":ttl": Math.floor(NOW / 1000) + 30 * DAY_S,
      },
    });
  });
});

describe("DynamoAlertLedger.release", () => {
  it("deletes only its own unfinished claim", async () => {
    db.on(DeleteCommand).resolves({});

    await ledger().release({ eventId: "evt-1", leaseId: "lease-1" });

    expect(db).toHaveReceivedCommandWith(DeleteCommand, {
      Key: { pk: "ALERT#evt-1", sk: "SLACK" },
      ConditionExpression: "#status = :sending AND leaseId = :leaseId",
      ExpressionAttributeValues: { ":sending": "sending", ":leaseId": "lease-1" },
    });
  });

  it("ignores a marker that another claim owns or that is already sent", async () => {
    db.on(DeleteCommand).rejects(conditionFailed());

    await expect(
      ledger().release({ eventId: "evt-1", leaseId: "lease-1" }),
    ).resolves.toBeUndefined();
  });
});
