import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import {
  answersListTables as answers,
  JavaMissingError,
  processGone,
  startDynamoDbLocal,
} from "../../lib/local/dynamodb-local.ts";
import { createTables } from "../../lib/local/tables.ts";
import { HEALTH_TABLE } from "../../lib/topology.ts";
import { testClients } from "../support/dynamo.ts";

const harnessModule = fileURLToPath(new URL("../../lib/local/dynamodb-local.ts", import.meta.url));
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (processGone(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return processGone(pid);
}

describe("startDynamoDbLocal", () => {
  it("answers on its endpoint, and stop() kills the JVM and waits for it", async () => {
    const local = await startDynamoDbLocal();
    expect(await answers(local.endpoint)).toBe(true);
    expect(processGone(local.pid)).toBe(false);

    await local.stop();

    expect(processGone(local.pid)).toBe(true);
    expect(await answers(local.endpoint)).toBe(false);
    await local.stop();
  });

  it("takes the JVM down when the Node process that started it is SIGKILLed", async () => {
    // A parent that starts DynamoDB Local, reports the JVM's pid and then just stays alive.
    const script = `
      const { startDynamoDbLocal } = await import(${JSON.stringify(harnessModule)});
      const local = await startDynamoDbLocal();
      console.log(JSON.stringify({ pid: local.pid, endpoint: local.endpoint }));
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const [line] = (await once(parent.stdout, "data")) as [Buffer];
    const { pid, endpoint } = JSON.parse(line.toString()) as { pid: number; endpoint: string };
    expect(processGone(pid)).toBe(false);
    expect(await answers(endpoint)).toBe(true);

    parent.kill("SIGKILL");
    await once(parent, "exit");

    expect(await waitUntilGone(pid, 5000)).toBe(true);
    expect(await answers(endpoint)).toBe(false);
  });

  it("rejects with the fix when Java is missing", async () => {
    const start = startDynamoDbLocal({ javaHome: "/nonexistent-java-home" });
    await expect(start).rejects.toBeInstanceOf(JavaMissingError);
    await expect(start).rejects.toThrow(
      /Java 17\+: apt-get install openjdk-17-jre-headless, or set JAVA_HOME/,
    );
  });
});

describe("createTables", () => {
  it("creates the table from HEALTH_TABLE, and creating it again is harmless", async () => {
    const { client } = testClients();
    const name = `tables-${process.pid}-${Date.now().toString(36)}`;

    const created = await Promise.all([createTables(client, name), createTables(client, name)]);
    const again = await createTables(client, name);

    expect(new Set([...created, again].map((t) => t.streamArn)).size).toBe(1);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: HEALTH_TABLE.partitionKey.name, KeyType: "HASH" },
      { AttributeName: HEALTH_TABLE.sortKey.name, KeyType: "RANGE" },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(Table?.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: HEALTH_TABLE.streamView,
    });
    // DescribeTable lists the indexes in no particular order.
    expect(
      Table?.GlobalSecondaryIndexes?.map((index) => [
        index.IndexName,
        index.Projection?.ProjectionType,
      ]).sort(),
    ).toEqual(
      HEALTH_TABLE.globalIndexes.map((index) => [index.name, index.projection ?? "ALL"]).sort(),
    );
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: "ENABLED",
      AttributeName: HEALTH_TABLE.ttlAttribute,
    });
  });
});
