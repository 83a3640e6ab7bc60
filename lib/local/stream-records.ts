/**
 * DynamoDB Streams API records in the shape Lambda delivers them (binary as base64, times
 * in seconds, `userIdentity` in camelCase).
 */
import type {
  _Record,
  AttributeValue as SdkAttributeValue,
} from "@aws-sdk/client-dynamodb-streams";
import type { AttributeValue, DynamoDBRecord } from "aws-lambda";
import { type EventPattern, matchesAnyPattern } from "./event-pattern.ts";

/** A DynamoDB Streams API record as Lambda delivers it (binary as base64, time in seconds). */
export function toLambdaRecord(
  record: _Record,
  streamArn: string,
  awsRegion?: string,
): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? "aws:dynamodb",
    awsRegion: awsRegion ?? record.awsRegion,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}),
      ...(stream.Keys ? { Keys: toLambdaImage(stream.Keys) } : {}),
      ...(stream.NewImage ? { NewImage: toLambdaImage(stream.NewImage) } : {}),
      ...(stream.OldImage ? { OldImage: toLambdaImage(stream.OldImage) } : {}),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    },
    eventSourceARN: streamArn,
    // TTL deletions carry the service identity; Lambda events spell its keys in camelCase.
    ...(record.userIdentity
      ? {
          userIdentity: {
            type: record.userIdentity.Type,
            principalId: record.userIdentity.PrincipalId,
          },
        }
      : {}),
  };
}

/**
 * The SDK deserializes some attribute values of DynamoDB Local's stream (seen: values of
 * non-aggregate items, likely empty lists or maps) as `{}`, which has no Lambda form. Such a
 * record can still be filtered on its keys: if the keys-only record does not match the
 * filter, Lambda would drop it anyway; if it matches, the conversion error stands.
 */
export function toLambdaRecordForFilter(
  record: _Record,
  streamArn: string,
  awsRegion: string | undefined,
  patterns: readonly EventPattern[],
): DynamoDBRecord {
  try {
    return toLambdaRecord(record, streamArn, awsRegion);
  } catch (error) {
    const keysOnly = toLambdaRecord(
      { ...record, dynamodb: { ...record.dynamodb, NewImage: undefined, OldImage: undefined } },
      streamArn,
      awsRegion,
    );
    if (patterns.length > 0 && !matchesAnyPattern(patterns, keysOnly)) return keysOnly;
    throw error;
  }
}

function toLambdaImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaValue(v)]));
}

function toLambdaValue(value: SdkAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString("base64") };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  // DynamoDB Local's stream gives an empty list or map as `{}` (see toLambdaRecordForFilter):
  // which one it was is lost, so it reads as absent (NULL); consumers treat both alike.
  if (Object.keys(value).length === 0) return { NULL: true };
  throw new TypeError(`unknown attribute value type: ${Object.keys(value).join(",") || "(empty)"}`);
}
