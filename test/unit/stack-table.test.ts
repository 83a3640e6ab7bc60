/** Which table the tools (preview, replay, import) use with `--aws`: --table, else SSM. */
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { resolveStackTable, TableTargetError } from "../../lib/stack-table.ts";
import { SERVICE_NAME } from "../../lib/topology.ts";

const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

describe("resolveStackTable --aws", () => {
  it("reads the table's name from the stage's SSM parameter", async () => {
    ssm.on(GetParameterCommand, { Name: `/${SERVICE_NAME}/prod/table-arn` }).resolves({
      Parameter: {
        Value: "arn:aws:dynamodb:eu-west-1:123456789012:table/CustomerHealth-prod-HealthTable-X1",
      },
    });

    const target = await resolveStackTable(
      { aws: true, stage: "prod" },
      { AWS_REGION: "eu-west-1" },
    );

    expect(target).toEqual({
      endpoint: undefined,
      tableName: "CustomerHealth-prod-HealthTable-X1",
      where: "table CustomerHealth-prod-HealthTable-X1 in AWS (eu-west-1)",
    });
  });

  it("takes --table as given, without asking SSM", async () => {
    const target = await resolveStackTable({ aws: true, table: "given" }, {});

    expect(target.tableName).toBe("given");
    expect(ssm.calls()).toHaveLength(0);
  });

  it("says what to do when the stage has no parameter (not deployed, or another region)", async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(new ParameterNotFound({ message: "not found", $metadata: {} }));

    const failure = resolveStackTable({ aws: true, stage: "qa" }, {});

    await expect(failure).rejects.toBeInstanceOf(TableTargetError);
    await expect(failure).rejects.toThrow(/\/customer-health\/qa\/table-arn.*--table NAME/);
  });
});
