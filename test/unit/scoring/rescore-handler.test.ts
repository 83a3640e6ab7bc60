import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const loadHandler = () => import("../../../functions/scoring/rescore-handler.ts");

describe("rescore handler configuration", () => {
  beforeEach(() => {
    vi.resetModules();
    vi.stubEnv("TABLE_NAME", "health-test");
    vi.stubEnv("EVENT_BUS_NAME", "health-bus");
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("loads with a whole number of minutes", async () => {
    vi.stubEnv("RESCORE_INTERVAL_MINUTES", "60");

    await expect(loadHandler()).resolves.toHaveProperty("handler");
  });

  it.each([
    "soon",
    "0",
    "1.5",
    "-5",
    "1441",
    " ",
  ])("fails at load naming RESCORE_INTERVAL_MINUTES when it is %j", async (value) => {
    vi.stubEnv("RESCORE_INTERVAL_MINUTES", value);

    await expect(loadHandler()).rejects.toThrow(/RESCORE_INTERVAL_MINUTES/);
  });

  it("fails at load naming RESCORE_INTERVAL_MINUTES when it is missing", async () => {
    vi.stubEnv("RESCORE_INTERVAL_MINUTES", undefined);

    await expect(loadHandler()).rejects.toThrow(/RESCORE_INTERVAL_MINUTES/);
  });
});

describe("rescore handler", () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  beforeEach(() => {
    vi.resetModules();
    vi.stubEnv("TABLE_NAME", "health-test");
    vi.stubEnv("EVENT_BUS_NAME", "health-bus");
    vi.stubEnv("RESCORE_INTERVAL_MINUTES", "60");
  });
  afterEach(() => {
    ddb.reset();
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("counts the scores it wrote as ScoresWritten", async () => {
    ddb.on(ScanCommand).resolves({ Items: [] });
    ddb
      .on(ScanCommand, { Segment: 0 })
      .resolves({ Items: [{ pk: "ACCOUNT#a" }, { pk: "ACCOUNT#b" }] });
    // Each customer's aggregate is one Query of its AGG items: a state item each.
    ddb.on(QueryCommand).callsFake((input) => {
      const pk = String(input.ExpressionAttributeValues?.[":pk"]);
      return { Items: [{ pk, sk: "AGG", accountId: pk.slice("ACCOUNT#".length) }] };
    });
    ddb.on(BatchGetCommand).resolves({ Responses: { "health-test": [] } });
    ddb.on(TransactWriteCommand).resolves({});
    // The handler loads a fresh module graph (resetModules): spy on its metrics instance.
    const { metrics } = await import("../../../functions/adapters/powertools.ts");
    const added = vi.spyOn(metrics, "addMetric");
    const { handler } = await import("../../../functions/scoring/rescore-handler.ts");

    const result = await handler({}, {
      getRemainingTimeInMillis: () => 900_000,
      functionName: "rescore",
      awsRequestId: "r-1",
    } as unknown as Context);

    expect(result).toMatchObject({ written: 2 });
    expect(added).toHaveBeenCalledWith("ScoresWritten", "Count", 2);
  });
});
