/**
 * Any Standard Webhooks sender → signals, through our own small event vocabulary.
 *
 * The body is the Standard Webhooks payload `{type, timestamp, data}`; the event id is
 * not in it but in the signed `webhook-id` header, which the caller passes in. Every
 * event we apply names its account in `data.account_id`: a generic sender has no tool
 * id of its own to alias.
 */
import type * as z from "zod/mini";
import { ID_RULE_TEXT, identifierProblem } from "../../../domain/ids.ts";
import type { SignalValues } from "../../../domain/signals.ts";
import { type InboundEvent, MalformedPayloadError, type MappingConfig } from "../../inbound.ts";
import { currencyOf, idOf, ignoredEvent, isoMillis, parseWith, signal } from "../common.ts";
import { AccountId, BODIES, GenericEvent, type GenericType } from "./schema.ts";

const PAYMENT_KINDS = {
  succeeded: "payment_succeeded",
  failed: "payment_failed",
  refunded: "refund",
  disputed: "dispute",
} as const;

/** Maps one verified Standard Webhooks delivery; `webhookId` is its `webhook-id` header. */
export function parse(
  body: unknown,
  _config: MappingConfig,
  webhookId: string | undefined,
): InboundEvent[] {
  if (!webhookId) throw new MalformedPayloadError("webhook-id header is required");
  const problem = identifierProblem(webhookId);
  if (problem !== undefined) {
    throw new MalformedPayloadError(`webhook-id header ${problem} (ids are ${ID_RULE_TEXT})`);
  }
  const event = parseWith(GenericEvent, body, "generic event");
  const occurredAt = isoMillis(event.timestamp, "timestamp");
  if (!Object.hasOwn(BODIES, event.type)) {
    return [ignoredEvent("generic", webhookId, event.type, occurredAt)];
  }
  const type = event.type as GenericType;
  if (event.data.account_id == null || event.data.account_id === "") {
    throw new MalformedPayloadError("data.account_id is required");
  }
  const accountId = idOf(parseWith(AccountId, body, "generic event").data.account_id);
  return [
    {
      source: "generic",
      eventId: webhookId,
      type: event.type,
      occurredAt,
      accountId,
      refs: [],
      signals: signalsOf(type, body),
      ignored: false,
    },
  ];
}

function signalsOf(type: GenericType, body: unknown): SignalValues[] {
  const what = `generic ${type} event`;
  switch (type) {
    case "usage": {
      const { data } = parseWith(BODIES.usage, body, what);
      const usage = signal({ kind: "usage", event: data.event, count: data.count ?? 1 });
      return data.feature
        ? [usage, signal({ kind: "feature_used", feature: data.feature })]
        : [usage];
    }
    case "nps": {
      const { data } = parseWith(BODIES.nps, body, what);
      return [signal({ kind: "nps", score: data.score, comment: data.comment ?? undefined })];
    }
    case "csat": {
      const { data } = parseWith(BODIES.csat, body, what);
      return [signal({ kind: "csat", score: data.score, comment: data.comment ?? undefined })];
    }
    case "ces":
      return [signal({ kind: "ces", score: parseWith(BODIES.ces, body, what).data.score })];
    case "ticket":
      return [ticketSignal(parseWith(BODIES.ticket, body, what).data)];
    case "payment": {
      const { data } = parseWith(BODIES.payment, body, what);
      return [
        signal({
          kind: PAYMENT_KINDS[data.status],
          amount: data.amount ?? undefined,
          currency: data.currency ? currencyOf(data.currency) : undefined,
        }),
      ];
    }
    case "subscription": {
      const { data } = parseWith(BODIES.subscription, body, what);
      return [
        signal({
          kind: "subscription",
          status: data.status,
          mrr: data.mrr ?? undefined,
          currency: data.currency ? currencyOf(data.currency) : undefined,
          seats: data.seats ?? undefined,
          plan: data.plan ?? undefined,
          renewsAt: data.renews_at ? isoMillis(data.renews_at, "data.renews_at") : undefined,
          cancelAtPeriodEnd: data.cancel_at_period_end ?? undefined,
        }),
      ];
    }
    case "milestone":
      return [
        signal({ kind: "milestone", name: parseWith(BODIES.milestone, body, what).data.name }),
      ];
  }
}

function ticketSignal(data: z.infer<typeof BODIES.ticket>["data"]): SignalValues {
  const ticketId = idOf(data.ticket_id);
  const priority = data.priority ?? undefined;
  switch (data.status) {
    case "open":
      return signal({ kind: "ticket_opened", ticketId, priority, text: data.text ?? undefined });
    case "solved":
      return signal({ kind: "ticket_solved", ticketId });
    case "reopened":
      return signal({ kind: "ticket_reopened", ticketId, priority });
  }
}
