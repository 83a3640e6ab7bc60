/**
 * Read and admin API over HTTP: parses each request (every id by the one id rule, cursors,
 * limits, alias bodies), calls its use case and shapes the answer. In AWS these routes need
 * IAM (SigV4) auth; the handler trusts API Gateway for that.
 */
import * as z from "zod/mini";
import { HttpError, type HttpEvent, type HttpResult, json } from "../adapters/http.ts";
import {
  AliasConflictError,
  type AliasStore,
  registerAliases,
  type WorkBudget,
} from "../aliases/aliases.ts";
import { domainProblem, normalizeDomain } from "../aliases/domains.ts";
import { ID_RULE_TEXT, identifierProblem } from "../domain/ids.ts";
import type { Model } from "../domain/model.ts";
import { TIERS, type Tier } from "../domain/tiers.ts";
import { type ExternalRef, MalformedPayloadError } from "../webhook/inbound.ts";
import { parseJson, parseWith } from "../webhook/providers/common.ts";
import {
  decodeCustomerCursor,
  decodeUnmatchedCursor,
  encodeCustomerCursor,
  encodeUnmatchedCursor,
} from "./cursor.ts";
import { type CustomerReads, getCustomer, listCustomers } from "./customers.ts";
import { answeringReadErrors } from "./read-errors.ts";

export interface ApiDeps {
  readonly customers: CustomerReads;
  readonly aliases: AliasStore;
  readonly model: Model;
  /** The work budget of one aliases request (default: the use case's). */
  readonly budget?: () => WorkBudget;
}

/** Most aliases one request may register: they are claimed in one transaction. */
export const MAX_ALIASES_PER_REQUEST = 100;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

/** A value quoted for an error message, cut so that a huge input makes a short answer. */
const quoted = (value: string) =>
  JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);

/** `problem` of `field`, or nothing when `value` is a valid id. */
function idError(field: string, value: string): string | undefined {
  const problem = identifierProblem(value);
  return problem && `${field} ${quoted(value)} ${problem} (ids are ${ID_RULE_TEXT})`;
}

/** A path parameter, percent-decoded if it still is, checked by the id rule. */
function idParam(event: HttpEvent, name: string): string {
  let value = event.pathParameters?.[name] ?? "";
  if (value.includes("%")) {
    try {
      value = decodeURIComponent(value);
    } catch {
      throw new HttpError(400, `${name}: malformed percent-encoding`);
    }
  }
  const error = idError(name, value);
  if (error) throw new HttpError(400, error);
  return value;
}

function limitParam(event: HttpEvent): number {
  const raw = event.queryStringParameters?.limit;
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_LIMIT) {
    throw new HttpError(400, `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  }
  return n;
}

function tierParam(event: HttpEvent): Tier | undefined {
  const tier = event.queryStringParameters?.tier;
  if (tier === undefined) return undefined;
  if (!(TIERS as readonly string[]).includes(tier)) {
    throw new HttpError(400, `tier must be one of ${TIERS.join(", ")}`);
  }
  return tier as Tier;
}

const idList = z.optional(z.array(z.string()));
/** Body of PUT /accounts/{accountId}/aliases. */
export const AliasBody = z.strictObject({
  stripe: idList,
  zendesk: idList,
  segment: idList,
  domains: idList,
  /** Take aliases that belong to another account. */
  move: z.optional(z.boolean()),
});

/** The refs and move flag of an aliases body; HttpError 400 naming the first bad field. */
export function parseAliasBody(body: Buffer): { refs: ExternalRef[]; move: boolean } {
  let parsed: z.infer<typeof AliasBody>;
  try {
    // Read and worded as the webhooks are: "invalid aliases body: stripe must be an array".
    parsed = parseWith(AliasBody, parseJson(body), "invalid aliases body");
  } catch (error) {
    // "body is not valid JSON", or the field at fault and how.
    if (error instanceof MalformedPayloadError) throw new HttpError(400, error.message);
    throw error;
  }
  const lists = [
    ["stripe", parsed.stripe ?? []],
    ["zendesk", parsed.zendesk ?? []],
    ["segment", parsed.segment ?? []],
  ] as const;
  const domains = parsed.domains ?? [];
  const count = lists.reduce((n, [, ids]) => n + ids.length, domains.length);
  if (count === 0) throw new HttpError(400, "no aliases given");
  if (count > MAX_ALIASES_PER_REQUEST) {
    throw new HttpError(400, `at most ${MAX_ALIASES_PER_REQUEST} aliases per request`);
  }
  const refs: ExternalRef[] = [];
  for (const [kind, ids] of lists) {
    ids.forEach((id, i) => {
      const error = idError(`${kind}[${i}]`, id);
      if (error) throw new HttpError(400, error);
      refs.push({ kind, id });
    });
  }
  domains.forEach((domain, i) => {
    const problem = domainProblem(domain);
    if (problem) throw new HttpError(400, `domains[${i}] ${quoted(domain)} ${problem}`);
    refs.push({ kind: "domain", id: normalizeDomain(domain) });
  });
  return { refs, move: parsed.move === true };
}

/** GET /customers/{accountId}: the current score and 90 days of daily history. */
async function getCustomerRoute(deps: ApiDeps, event: HttpEvent, now: number) {
  const view = await getCustomer(deps.customers, idParam(event, "accountId"), now);
  if (view === null) throw new HttpError(404, "unknown customer");
  return json(200, view);
}

/** GET /customers[?tier=…]: lowest score first, of one tier or all, with a cursor. */
async function listCustomersRoute(deps: ApiDeps, event: HttpEvent) {
  const tier = tierParam(event);
  const cursor = event.queryStringParameters?.cursor;
  const page = await listCustomers(deps.customers, {
    tier,
    limit: limitParam(event),
    after: cursor ? decodeCustomerCursor(cursor) : null,
  });
  return json(200, {
    ...(tier ? { tier } : {}),
    customers: page.customers,
    cursor: page.next ? encodeCustomerCursor(page.next) : null,
  });
}

/** PUT /accounts/{accountId}/aliases: claims tool ids and applies waiting events. */
async function putAliasesRoute(deps: ApiDeps, event: HttpEvent, body: Buffer) {
  const accountId = idParam(event, "accountId");
  const { refs, move } = parseAliasBody(body);
  try {
    const result = await registerAliases(deps.aliases, deps.model, accountId, refs, {
      move,
      budget: deps.budget?.(),
    });
    return json(200, {
      accountId,
      aliases: result.aliases,
      changes: result.changes.map(({ ref, change, from }) => ({
        kind: ref.kind,
        id: ref.id,
        change,
        ...(from === undefined ? {} : { from }),
      })),
      applied: result.applied,
      remaining: result.remaining,
      ...(result.lost.length > 0
        ? {
            lost: result.lost.map((l) => ({
              kind: l.ref.kind,
              id: l.ref.id,
              accountId: l.accountId,
            })),
          }
        : {}),
    });
  } catch (error) {
    if (!(error instanceof AliasConflictError)) throw error;
    return json(409, {
      error: `${error.message}; nothing was saved. Send "move": true to move them to "${accountId}"`,
      conflicts: error.conflicts.map((c) => ({
        kind: c.ref.kind,
        id: c.ref.id,
        accountId: c.accountId,
      })),
    });
  }
}

/** GET /unmatched: events no customer could be found for, oldest first. */
async function listUnmatchedRoute(deps: ApiDeps, event: HttpEvent) {
  const cursor = event.queryStringParameters?.cursor;
  const page = await deps.aliases.listUnmatched(
    limitParam(event),
    cursor ? decodeUnmatchedCursor(cursor) : null,
  );
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
    cursor: page.next ? encodeUnmatchedCursor(page.next) : null,
  });
}

function dispatch(deps: ApiDeps, event: HttpEvent, body: Buffer, now: number) {
  switch (event.routeKey) {
    case "GET /customers/{accountId}":
      return getCustomerRoute(deps, event, now);
    case "GET /customers":
      return listCustomersRoute(deps, event);
    case "PUT /accounts/{accountId}/aliases":
      return putAliasesRoute(deps, event, body);
    case "GET /unmatched":
      return listUnmatchedRoute(deps, event);
    default:
      throw new HttpError(404, "no such route");
  }
}

/** Dispatches by API Gateway route key; a caller's mistake is a 4xx, a storage failure 503. */
export async function routeApi(
  deps: ApiDeps,
  event: HttpEvent,
  body: Buffer,
  now = Date.now(),
): Promise<HttpResult> {
  return answeringReadErrors(event.routeKey, () => dispatch(deps, event, body, now));
}
