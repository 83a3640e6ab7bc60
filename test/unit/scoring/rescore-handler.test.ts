import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
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

  it("fails at load naming TABLE_NAME when it is missing", { timeout: 20_000 }, async () => {
    vi.stubEnv("TABLE_NAME", undefined);

    await expect(loadHandler()).rejects.toThrow(/TABLE_NAME/);
  });
});

describe("rescore handler", () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  beforeEach(() => {
    vi.resetModules();
    vi.stubEnv("TABLE_NAME", "health-test");
    vi.stubEnv("EVENT_BUS_NAME", "health-bus");
  });
  afterEach(() => {
    ddb.reset();
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it(
    "queries each shard of the due index for what is due now, and counts the scores it wrote as ScoresWritten",
    { timeout: 20_000 },
    async () => {
      // Every score was swept to the active model already: no Scan, only due customers.
      const { activeModel } = await import("../../../functions/domain/active-model.ts");
      ddb.on(GetCommand).resolves({
        Item: { pk: "RESCORE", sk: "MODEL_SWEPT", modelVersion: activeModel.modelVersion },
      });
      ddb.on(QueryCommand).resolves({ Items: [] });
      ddb
        .on(QueryCommand, { ExpressionAttributeValues: { ":shard": "DUE#0", ":now": 1_000 } })
        .resolves({ Items: [{ pk: "ACCOUNT#a" }, { pk: "ACCOUNT#b" }] });
      vi.spyOn(Date, "now").mockReturnValue(1_000);
      // Each customer's aggregate is one Query of its AGG items: a state item each.
      for (const id of ["a", "b"]) {
        ddb
          .on(QueryCommand, {
            ExpressionAttributeValues: { ":pk": `ACCOUNT#${id}`, ":agg": "AGG" },
          })
          .resolves({ Items: [{ pk: `ACCOUNT#${id}`, sk: "AGG", accountId: id }] });
      }
      ddb.on(BatchGetCommand).resolves({ Responses: { "health-test": [] } });
      ddb.on(PutCommand).resolves({});
      // The handler loads a fresh module graph (resetModules): spy on its metrics instance.
      const { metrics } = await import("../../../functions/adapters/powertools.ts");
      const added = vi.spyOn(metrics, "addMetric");
      const { handler } = await import("../../../functions/scoring/rescore-handler.ts");

      const result = await handler({}, {
        getRemainingTimeInMillis: () => 900_000,
        functionName: "rescore",
        awsRequestId: "r-1",
      } as unknown as Context);

      expect(result).toMatchObject({ due: 2, written: 2 });
      const queries = ddb
        .commandCalls(QueryCommand)
        .map((c) => c.args[0].input)
        .filter((q) => q.IndexName !== undefined);
      expect(queries.map((q) => q.ExpressionAttributeValues?.[":shard"]).sort()).toEqual([
        "DUE#0",
        "DUE#1",
        "DUE#2",
        "DUE#3",
      ]);
      expect(queries.every((q) => q.IndexName === "byDue")).toBe(true);
      expect(ddb.commandCalls(ScanCommand)).toHaveLength(0);
      expect(result).toMatchObject({ swept: false });
      expect(added).toHaveBeenCalledWith("ScoresWritten", "Count", 2);
    },
  );
});
