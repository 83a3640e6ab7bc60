/**
 * Read and admin API: customers' scores and history, aliases, unmatched events. In AWS
 * these routes need IAM (SigV4) auth; the handler trusts API Gateway for that.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod/mini";
import type { DynamoEventStore } from "../adapters/dynamo/event-store.ts";
import {
  AGGREGATE_SK,
  accountPk,
  daySk,
  SCORE_SK,
  TIER_INDEX,
  tierPk,
} from "../adapters/dynamo/keys.ts";
import { toStoredScore } from "../adapters/dynamo/score-store.ts";
import { HttpError, type HttpEvent, type HttpResult, json } from "../adapters/http.ts";
import type { Model } from "../domain/model.ts";
import { TIERS } from "../domain/tiers.ts";
import { isoDay } from "../domain/time.ts";
import type { ExternalRef } from "../webhook/inbound.ts";
import { registerAliases } from "../webhook/ingest.ts";

export interface ApiDeps {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly events: DynamoEventStore;
  readonly model: Model;
}

const HISTORY_DAYS = 90;
const DAY_MS = 86_400_000;

const idList = z.optional(
  z.array(z.string().check(z.minLength(1), z.maxLength(255))).check(z.maxLength(100)),
);
/** Body of PUT /accounts/{accountId}/aliases. */
export const AliasBody = z.strictObject({
  stripe: idList,
  zendesk: idList,
  segment: idList,
  domains: idList,
});

const accountIdParam = z.string().check(z.regex(/^[\w.:@-]{1,128}$/));

function pageSize(event: HttpEvent): number {
  const raw = event.queryStringParameters?.limit;
  if (raw === undefined) return 50;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new HttpError(400, "limit must be 1-200");
  return n;
}

const encodeCursor = (key: Record<string, unknown> | undefined) =>
  key ? Buffer.from(JSON.stringify(key)).toString("base64url") : null;

function decodeCursor(event: HttpEvent): Record<string, unknown> | undefined {
  const raw = event.queryStringParameters?.cursor;
  if (!raw) return undefined;
  try {
    const value = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value;
  } catch {
    // fall through
  }
  throw new HttpError(400, "invalid cursor");
}

function accountIdOf(event: HttpEvent): string {
  const parsed = accountIdParam.safeParse(event.pathParameters?.accountId);
  if (!parsed.success) throw new HttpError(400, "invalid account id");
  return parsed.data;
}

/** GET /customers/{accountId}: the current score and 90 days of daily history. */
async function getCustomer(deps: ApiDeps, event: HttpEvent, now: number): Promise<HttpResult> {
  const accountId = accountIdOf(event);
  const pk = accountPk(accountId);
  const [scoreItem, history] = await Promise.all([
    deps.db.send(new GetCommand({ TableName: deps.tableName, Key: { pk, sk: SCORE_SK } })),
    deps.db.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
        ExpressionAttributeValues: {
          ":pk": pk,
          ":from": daySk(isoDay(now - HISTORY_DAYS * DAY_MS)),
          ":to": daySk(isoDay(now)),
        },
      }),
    ),
  ]);
  if (!scoreItem.Item) {
    const aggregate = await deps.db.send(
      new GetCommand({
        TableName: deps.tableName,
        Key: { pk, sk: AGGREGATE_SK },
        ProjectionExpression: "pk",
      }),
    );
    if (!aggregate.Item) throw new HttpError(404, "unknown customer");
    return json(200, {
      accountId,
      score: null,
      tier: "unknown",
      pending: "not scored yet",
      history: [],
    });
  }
  const { outbox: _outbox, ...current } = toStoredScore(scoreItem.Item);
  return json(200, {
    ...current,
    computedAt: new Date(current.computedAt).toISOString(),
    history: (history.Items ?? []).map((h) => ({
      day: String(h.sk).slice(4),
      score: h.score ?? null,
      tier: h.tier,
      coverage: h.coverage,
      modelVersion: h.modelVersion,
    })),
  });
}

/** GET /customers?tier=…: ordered by score ascending, paginated with a cursor. */
async function listCustomers(deps: ApiDeps, event: HttpEvent): Promise<HttpResult> {
  const tier = event.queryStringParameters?.tier;
  if (!tier || !(TIERS as readonly string[]).includes(tier)) {
    throw new HttpError(400, `tier must be one of ${TIERS.join(", ")}`);
  }
  const page = await deps.db.send(
    new QueryCommand({
      TableName: deps.tableName,
      IndexName: TIER_INDEX,
      KeyConditionExpression: "tierPk = :tier",
      ExpressionAttributeValues: { ":tier": tierPk(tier) },
      ScanIndexForward: true,
      Limit: pageSize(event),
      ExclusiveStartKey: decodeCursor(event),
    }),
  );
  return json(200, {
    tier,
    customers: (page.Items ?? []).map((item) => {
      const s = toStoredScore(item);
      return {
        accountId: s.accountId,
        accountName: s.accountName,
        score: s.score,
        tier: s.tier,
        coverage: s.coverage,
        topDriver: s.drivers[0]?.reason ?? null,
        computedAt: new Date(s.computedAt).toISOString(),
      };
    }),
    cursor: encodeCursor(page.LastEvaluatedKey),
  });
}

/** PUT /accounts/{accountId}/aliases: registers tool ids and applies waiting events. */
async function putAliases(deps: ApiDeps, event: HttpEvent, body: Buffer): Promise<HttpResult> {
  const accountId = accountIdOf(event);
  let parsed: z.infer<typeof AliasBody>;
  try {
    const result = AliasBody.safeParse(JSON.parse(body.toString("utf8")));
    if (!result.success) throw new Error(result.error.issues[0]?.message ?? "invalid body");
    parsed = result.data;
  } catch (error) {
    throw new HttpError(400, `invalid aliases body: ${(error as Error).message}`);
  }
  const refs: ExternalRef[] = [
    ...(parsed.stripe ?? []).map((id) => ({ kind: "stripe" as const, id })),
    ...(parsed.zendesk ?? []).map((id) => ({ kind: "zendesk" as const, id })),
    ...(parsed.segment ?? []).map((id) => ({ kind: "segment" as const, id })),
    ...(parsed.domains ?? []).map((id) => ({ kind: "domain" as const, id: id.toLowerCase() })),
  ];
  if (refs.length === 0) throw new HttpError(400, "no aliases given");
  const result = await registerAliases(deps.events, deps.model, accountId, refs);
  return json(200, { accountId, ...result });
}

/** GET /unmatched: events no customer could be found for, oldest first. */
async function listUnmatched(deps: ApiDeps, event: HttpEvent): Promise<HttpResult> {
  const page = await deps.events.listUnmatched(pageSize(event), decodeCursor(event));
  return json(200, {
    events: page.records.map((r) => ({
      source: r.source,
      eventId: r.eventId,
      type: r.type,
      occurredAt: new Date(r.occurredAt).toISOString(),
      receivedAt: new Date(r.receivedAt).toISOString(),
      refs: r.refs,
      signals: r.signals.map((s) => s.kind),
    })),
    cursor: encodeCursor(page.cursor),
  });
}

/** Dispatches by API Gateway route key. */
export async function routeApi(deps: ApiDeps, event: HttpEvent, body: Buffer, now = Date.now()) {
  switch (event.routeKey) {
    case "GET /customers/{accountId}":
      return getCustomer(deps, event, now);
    case "GET /customers":
      return listCustomers(deps, event);
    case "PUT /accounts/{accountId}/aliases":
      return putAliases(deps, event, body);
    case "GET /unmatched":
      return listUnmatched(deps, event);
    default:
      throw new HttpError(404, "no such route");
  }
}
