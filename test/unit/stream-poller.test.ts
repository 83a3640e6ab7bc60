import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  InternalServerError,
  type Shard,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBStreamEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { type StreamPoller, startStreamPoller } from "../../lib/local/stream-poller.ts";
import { toLambdaRecord } from "../../lib/local/stream-records.ts";
import { SCORE_STREAM } from "../../lib/topology.ts";

const STREAM_ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/label";
const streams = mockClient(DynamoDBStreamsClient);

/** An aggregate INSERT with sequence number `seq`, as the Streams API returns it. */
const apiRecord = (seq: number, sk = "AGG"): _Record => ({
  eventID: `e${seq}`,
  eventName: "INSERT",
  eventVersion: "1.1",
  eventSource: "aws:dynamodb",
  awsRegion: "ddblocal",
  dynamodb: {
    ApproximateCreationDateTime: new Date(),
    Keys: { pk: { S: `ACCOUNT#a${seq}` }, sk: { S: sk } },
    NewImage: { pk: { S: `ACCOUNT#a${seq}` }, sk: { S: sk } },
    SequenceNumber: String(seq),
    SizeBytes: 30,
    StreamViewType: "NEW_IMAGE",
  },
});

const closedParent: Shard = {
  ShardId: "shard-parent",
  SequenceNumberRange: { StartingSequenceNumber: "1", EndingSequenceNumber: "3" },
};
const openChild: Shard = {
  ShardId: "shard-child",
  ParentShardId: "shard-parent",
  SequenceNumberRange: { StartingSequenceNumber: "4" },
};

const pollers: StreamPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
  streams.reset();
});

function start(overrides: { startingPosition?: "TRIM_HORIZON" | "LATEST" } = {}) {
  const events: DynamoDBStreamEvent[] = [];
  const errors: unknown[] = [];
  const poller = startStreamPoller({
    ...SCORE_STREAM,
    streamsClient: new DynamoDBStreamsClient({ region: "local" }),
    streamArn: STREAM_ARN,
    startingPosition: overrides.startingPosition ?? "TRIM_HORIZON",
    pollIntervalMs: 5,
    retryDelayMs: 0,
    handler: async (event) => {
      events.push(event);
    },
    onFailure: () => {},
    onError: (error) => errors.push(error),
  });
  pollers.push(poller);
  const delivered = () => events.flatMap((e) => e.Records.map((r) => r.dynamodb?.SequenceNumber));
  return { poller, events, errors, delivered };
}

describe("startStreamPoller shard handling", () => {
  it("reads a closed parent shard to its end before its child, then follows the child", async () => {
    streams.on(DescribeStreamCommand).resolves({
      StreamDescription: { StreamArn: STREAM_ARN, Shards: [openChild, closedParent] },
    });
    streams
      .on(GetShardIteratorCommand, { ShardId: "shard-parent", ShardIteratorType: "TRIM_HORIZON" })
      .resolves({ ShardIterator: "parent-0" })
      .on(GetShardIteratorCommand, { ShardId: "shard-child", ShardIteratorType: "TRIM_HORIZON" })
      .resolves({ ShardIterator: "child-0" });
    streams
      .on(GetRecordsCommand, { ShardIterator: "parent-0" })
      .resolves({ Records: [apiRecord(1), apiRecord(2, "SCORE")], NextShardIterator: "parent-1" })
      .on(GetRecordsCommand, { ShardIterator: "parent-1" })
      .resolves({ Records: [apiRecord(3)], NextShardIterator: undefined })
      .on(GetRecordsCommand, { ShardIterator: "child-0" })
      .resolves({ Records: [apiRecord(4)], NextShardIterator: "child-1" })
      .on(GetRecordsCommand, { ShardIterator: "child-1" })
      .resolves({ Records: [], NextShardIterator: "child-1" });
    const { poller, delivered, errors } = start();

    await poller.drain(5000);

    expect(delivered()).toEqual(["1", "3", "4"]);
    const iteratorRequests = streams
      .commandCalls(GetShardIteratorCommand)
      .map((c) => c.args[0].input.ShardId);
    expect(iteratorRequests).toEqual(["shard-parent", "shard-child"]);
    expect(errors).toEqual([]);
  });

  it("gets a fresh iterator after the last record read when one expires", async () => {
    streams.on(DescribeStreamCommand).resolves({
      StreamDescription: { StreamArn: STREAM_ARN, Shards: [{ ShardId: "shard-1" }] },
    });
    streams
      .on(GetShardIteratorCommand, { ShardIteratorType: "TRIM_HORIZON" })
      .resolves({ ShardIterator: "it-0" })
      .on(GetShardIteratorCommand, {
        ShardIteratorType: "AFTER_SEQUENCE_NUMBER",
        SequenceNumber: "2",
      })
      .resolves({ ShardIterator: "it-after-2" });
    streams
      .on(GetRecordsCommand, { ShardIterator: "it-0" })
      .resolves({ Records: [apiRecord(1), apiRecord(2)], NextShardIterator: "it-1" })
      .on(GetRecordsCommand, { ShardIterator: "it-1" })
      .rejects(new ExpiredIteratorException({ message: "expired", $metadata: {} }))
      .on(GetRecordsCommand, { ShardIterator: "it-after-2" })
      .resolves({ Records: [apiRecord(3)], NextShardIterator: "it-after-3" })
      .on(GetRecordsCommand, { ShardIterator: "it-after-3" })
      .resolves({ Records: [], NextShardIterator: "it-after-3" });
    const { poller, delivered, errors } = start();

    await poller.drain(5000);

    expect(delivered()).toEqual(["1", "2", "3"]);
    expect(errors).toEqual([]);
  });

  it("from LATEST, skips shards closed at start and reads open ones from their end", async () => {
    streams.on(DescribeStreamCommand).resolves({
      StreamDescription: { StreamArn: STREAM_ARN, Shards: [closedParent, openChild] },
    });
    streams
      .on(GetShardIteratorCommand, { ShardId: "shard-child", ShardIteratorType: "LATEST" })
      .resolves({ ShardIterator: "child-latest" });
    streams
      .on(GetRecordsCommand, { ShardIterator: "child-latest" })
      .resolves({ Records: [apiRecord(9)], NextShardIterator: "child-next" })
      .on(GetRecordsCommand, { ShardIterator: "child-next" })
      .resolves({ Records: [], NextShardIterator: "child-next" });
    const { poller, delivered } = start({ startingPosition: "LATEST" });

    await poller.drain(5000);

    expect(delivered()).toEqual(["9"]);
    const iteratorRequests = streams
      .commandCalls(GetShardIteratorCommand)
      .map((c) => c.args[0].input);
    expect(iteratorRequests).toEqual([
      expect.objectContaining({ ShardId: "shard-child", ShardIteratorType: "LATEST" }),
    ]);
  });

  it("reports API errors and keeps polling", async () => {
    streams
      .on(DescribeStreamCommand)
      .rejectsOnce(new InternalServerError({ message: "try again", $metadata: {} }))
      .resolves({ StreamDescription: { StreamArn: STREAM_ARN, Shards: [{ ShardId: "shard-1" }] } });
    streams.on(GetShardIteratorCommand).resolves({ ShardIterator: "it-0" });
    streams
      .on(GetRecordsCommand, { ShardIterator: "it-0" })
      .resolves({ Records: [apiRecord(1)], NextShardIterator: "it-1" })
      .on(GetRecordsCommand, { ShardIterator: "it-1" })
      .resolves({ Records: [], NextShardIterator: "it-1" });
    const { poller, delivered, errors } = start();

    await poller.drain(5000);

    expect(delivered()).toEqual(["1"]);
    expect(errors).toEqual([expect.objectContaining({ name: "InternalServerError" })]);
  });

  it("rejects drain() once stopped", async () => {
    streams.on(DescribeStreamCommand).resolves({ StreamDescription: { Shards: [] } });
    const { poller } = start();
    await poller.stop();
    await expect(poller.drain()).rejects.toThrow(/stopped/);
  });
});

describe("toLambdaRecord", () => {
  it("shapes a Streams API record as Lambda delivers it", () => {
    const created = new Date("2026-01-15T12:00:00.000Z");
    const shaped = toLambdaRecord(
      {
        eventID: "e1",
        eventName: "INSERT",
        eventVersion: "1.1",
        eventSource: "aws:dynamodb",
        awsRegion: "ddblocal",
        dynamodb: {
          ApproximateCreationDateTime: created,
          Keys: { pk: { S: "ACCOUNT#a" }, sk: { S: "AGG" } },
          NewImage: {
            pk: { S: "ACCOUNT#a" },
            bin: { B: new Uint8Array([1, 2, 3]) },
            list: { L: [{ N: "1" }, { M: { ok: { BOOL: true } } }] },
            nothing: { NULL: true },
          },
          SequenceNumber: "000000000000000000001",
          SizeBytes: 39,
          StreamViewType: "NEW_IMAGE",
        },
      },
      "arn:stream",
      "eu-west-1",
    );
    expect(shaped).toEqual({
      eventID: "e1",
      eventName: "INSERT",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "eu-west-1",
      eventSourceARN: "arn:stream",
      dynamodb: {
        ApproximateCreationDateTime: created.getTime() / 1000,
        Keys: { pk: { S: "ACCOUNT#a" }, sk: { S: "AGG" } },
        NewImage: {
          pk: { S: "ACCOUNT#a" },
          bin: { B: "AQID" },
          list: { L: [{ N: "1" }, { M: { ok: { BOOL: true } } }] },
          nothing: { NULL: true },
        },
        SequenceNumber: "000000000000000000001",
        SizeBytes: 39,
        StreamViewType: "NEW_IMAGE",
      },
    });
  });
});
