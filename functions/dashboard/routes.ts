/**
 * The dashboard's data routes over HTTP (shapes in contract.ts): parses each request (ids by
 * the one id rule, filters, sorts, limits, cursors), calls its use case and shapes the
 * answer. In AWS these routes sit behind the HTTP API's JWT authorizer (Cognito); locally
 * they are open, like the read API.
 */

import { HttpError, type HttpEvent, type HttpResult, json } from "../adapters/http.ts";
import { answeringReadErrors } from "../api/read-errors.ts";
import { ID_RULE_TEXT, identifierProblem } from "../domain/ids.ts";
import type { CompiledModel } from "../domain/model.ts";
import { TIERS, type Tier } from "../domain/tiers.ts";
import type { Page } from "./contract.ts";
import {
  decodeAlertCursor,
  decodeListCursor,
  encodeAlertCursor,
  encodeListCursor,
} from "./cursor.ts";
import { getCustomerPage, listCustomerRows, SORTS, type Sort } from "./customers.ts";
import { getPortfolio } from "./portfolio.ts";
import type { DashboardReads } from "./reads.ts";

export interface DashboardDeps {
  readonly reads: DashboardReads;
  readonly model: CompiledModel;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
/** Longest filter value or search text (segment and owner names come from tools). */
const MAX_TEXT = 200;
const MAX_RENEWAL_DAYS = 3_650;

const quoted = (value: string) =>
  JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);

const query = (event: HttpEvent, name: string): string | undefined =>
  event.queryStringParameters?.[name];

function textParam(event: HttpEvent, name: string): string | undefined {
  const value = query(event, name);
  if (value === undefined || value === "") return undefined;
  if (value.length > MAX_TEXT)
    throw new HttpError(400, `${name} is longer than ${MAX_TEXT} characters`);
  return value;
}

function limitParam(event: HttpEvent): number {
  const raw = query(event, "limit");
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_LIMIT) {
    throw new HttpError(400, `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  return n;
}

function tierParam(event: HttpEvent): Tier | undefined {
  const tier = query(event, "tier");
  if (tier === undefined || tier === "") return undefined;
  if (!(TIERS as readonly string[]).includes(tier)) {
    throw new HttpError(400, `tier must be one of ${TIERS.join(", ")}`);
  }
  return tier as Tier;
}

function sortParam(event: HttpEvent): Sort {
  const sort = query(event, "sort");
  if (sort === undefined || sort === "") return "score";
  if (!(SORTS as readonly string[]).includes(sort)) {
    throw new HttpError(400, `sort must be one of ${SORTS.join(", ")}`);
  }
  return sort as Sort;
}

function renewalParam(event: HttpEvent): number | undefined {
  const raw = query(event, "renewalWithinDays");
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > MAX_RENEWAL_DAYS) {
    throw new HttpError(
      400,
      `renewalWithinDays must be a whole number from 0 to ${MAX_RENEWAL_DAYS}`,
    );
  }
  return n;
}

function accountParam(event: HttpEvent): string {
  let value = event.pathParameters?.accountId ?? "";
  if (value.includes("%")) {
    try {
      value = decodeURIComponent(value);
    } catch {
      throw new HttpError(400, "accountId: malformed percent-encoding");
    }
  }
  const problem = identifierProblem(value);
  if (problem)
    throw new HttpError(400, `accountId ${quoted(value)} ${problem} (ids are ${ID_RULE_TEXT})`);
  return value;
}

async function portfolioRoute(deps: DashboardDeps, event: HttpEvent, now: number) {
  const segment = textParam(event, "segment");
  const owner = textParam(event, "owner");
  return json(200, await getPortfolio(deps.reads, { segment, owner }, now));
}

async function customersRoute(deps: DashboardDeps, event: HttpEvent, now: number) {
  const sort = sortParam(event);
  const cursor = query(event, "cursor");
  const page = await listCustomerRows(
    deps.reads,
    {
      q: textParam(event, "q"),
      tier: tierParam(event),
      segment: textParam(event, "segment"),
      owner: textParam(event, "owner"),
      renewalWithinDays: renewalParam(event),
      sort,
      limit: limitParam(event),
      after: cursor ? decodeListCursor(cursor, sort) : null,
    },
    now,
  );
  const body: Page<unknown> = {
    items: page.items,
    cursor: page.next ? encodeListCursor(page.next) : null,
  };
  return json(200, body);
}

async function customerRoute(deps: DashboardDeps, event: HttpEvent, now: number) {
  const page = await getCustomerPage(deps.reads, deps.model, accountParam(event), now);
  if (page === null) throw new HttpError(404, "unknown customer (or not scored yet)");
  return json(200, page);
}

async function alertsRoute(deps: DashboardDeps, event: HttpEvent) {
  const cursor = query(event, "cursor");
  const page = await deps.reads.alerts(
    limitParam(event),
    cursor ? decodeAlertCursor(cursor) : null,
  );
  return json(200, { items: page.items, cursor: page.next ? encodeAlertCursor(page.next) : null });
}

function dispatch(deps: DashboardDeps, event: HttpEvent, now: number) {
  switch (event.routeKey) {
    case "GET /dashboard/portfolio":
      return portfolioRoute(deps, event, now);
    case "GET /dashboard/customers":
      return customersRoute(deps, event, now);
    case "GET /dashboard/customers/{accountId}":
      return customerRoute(deps, event, now);
    case "GET /dashboard/alerts":
      return alertsRoute(deps, event);
    default:
      throw new HttpError(404, "no such route");
  }
}

/** Dispatches by route key; a caller's mistake is a 4xx, a storage failure a 503. */
export async function routeDashboard(
  deps: DashboardDeps,
  event: HttpEvent,
  now = Date.now(),
): Promise<HttpResult> {
  return answeringReadErrors(event.routeKey, () => dispatch(deps, event, now));
}
