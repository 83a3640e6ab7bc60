/**
 * Zendesk event webhook (`zen:event-type:ticket.*`) → ticket signals.
 *
 * Payload fields relied on, from Zendesk's "Ticket events" webhook reference
 * (https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/):
 * the shared envelope `{type, account_id, id, time, subject, detail, event}`; `detail`
 * lists the ticket's `id`, `organization_id`, `priority`, `status`, `subject`,
 * `description`; `ticket.status_changed` and `ticket.priority_changed` carry
 * `event.current` / `event.previous`; `ticket.comment_added` carries `event.comment`
 * (`body`, `is_public`, `author.is_staff`). Published examples send ids as strings and
 * enum values in upper case (`"SOLVED"`, `"HIGH"`): ids are read as strings or numbers,
 * enum values case-insensitively.
 *
 * The payload names no account of ours (the envelope's `account_id` is the Zendesk
 * instance): the account comes from an alias of the organization id.
 */
import type * as z from "zod/mini";
import type { SignalValues, TicketPriority } from "../../../domain/signals.ts";
import type { ExternalRef, InboundEvent, MappingConfig } from "../../inbound.ts";
import { idOf, ignoredEvent, isoMillis, parseWith, signal, TEXT_MAX, truncate } from "../common.ts";
import {
  CommentAdded,
  PriorityChange,
  StatusChange,
  TicketDetail,
  ZendeskEvent,
} from "./schema.ts";

const TICKET_EVENT = "zen:event-type:ticket.";

const CLOSED = new Set(["solved", "closed"]);
const UNSOLVED = new Set(["new", "open", "pending", "hold"]);

/** Maps one verified Zendesk event. */
export function parse(body: unknown, _config: MappingConfig): InboundEvent[] {
  const envelope = parseWith(ZendeskEvent, body, "zendesk event");
  const occurredAt = isoMillis(envelope.time, "time");
  const ignored = [ignoredEvent("zendesk", envelope.id, envelope.type, occurredAt)];
  if (!envelope.type.startsWith(TICKET_EVENT)) return ignored;
  const action = envelope.type.slice(TICKET_EVENT.length);
  if (!["created", "status_changed", "priority_changed", "comment_added"].includes(action)) {
    return ignored;
  }

  const detail = parseWith(TicketDetail, envelope.detail, "zendesk ticket", "detail");
  const ticketId = idOf(detail.id);
  const values = ticketSignal(action, ticketId, detail, envelope.event);
  if (values === null) return ignored;
  return [
    {
      source: "zendesk",
      eventId: envelope.id,
      type: envelope.type,
      occurredAt,
      accountId: null,
      refs: organizationRef(detail.organization_id),
      signals: [values],
      ignored: false,
    },
  ];
}

/** The signal of a ticket event, or null when this change says nothing about health. */
function ticketSignal(
  action: string,
  ticketId: string,
  detail: z.infer<typeof TicketDetail>,
  event: unknown,
): SignalValues | null {
  switch (action) {
    case "created": {
      const text = detail.description || detail.subject;
      return signal({
        kind: "ticket_opened",
        ticketId,
        priority: priorityOf(detail.priority),
        text: text ? truncate(text, TEXT_MAX) : undefined,
      });
    }
    case "status_changed": {
      const change = parseWith(StatusChange, event, "zendesk ticket", "event");
      const current = change.current.toLowerCase();
      const previous = change.previous?.toLowerCase() ?? "";
      if (CLOSED.has(current)) {
        // solved → closed is Zendesk archiving a solved ticket: it was counted when solved.
        return CLOSED.has(previous) ? null : signal({ kind: "ticket_solved", ticketId });
      }
      if (current === "reopened" || (UNSOLVED.has(current) && CLOSED.has(previous))) {
        return signal({ kind: "ticket_reopened", ticketId, priority: priorityOf(detail.priority) });
      }
      // new → open → pending → hold moves within "open": no health signal.
      return null;
    }
    case "priority_changed": {
      const change = parseWith(PriorityChange, event, "zendesk ticket", "event");
      const priority = priorityOf(change.current);
      // A cleared priority has no level to record.
      return priority ? signal({ kind: "ticket_priority", ticketId, priority }) : null;
    }
    case "comment_added": {
      const { comment } = parseWith(CommentAdded, event, "zendesk ticket", "event");
      // Internal notes and agents' replies are not the customer's voice.
      if (comment.is_public === false || comment.author?.is_staff === true) return null;
      if (comment.body.trim() === "") return null;
      return signal({ kind: "ticket_comment", ticketId, text: truncate(comment.body, TEXT_MAX) });
    }
    default:
      return null;
  }
}

function priorityOf(value: string | null | undefined): TicketPriority | undefined {
  return value ? (value.toLowerCase() as TicketPriority) : undefined;
}

/** Zendesk sends "0" (or nothing) for "no organization": that must never become an alias. */
function organizationRef(id: string | number | null | undefined): ExternalRef[] {
  if (id == null) return [];
  const value = idOf(id);
  return value === "" || value === "0" ? [] : [{ kind: "zendesk", id: value }];
}
