/**
 * Webhook bodies shaped like the ones the real tools send (Zendesk ticket events, Typeform
 * form responses, Segment Classic messages, Standard Webhooks; Stripe's are in
 * `stripe-payloads.ts`), carrying
 * the fields our adapters read plus the usual surrounding ones. Pure: ids and times come
 * in as arguments, so a seeded scenario always builds the same bodies.
 */

const iso = (ms: number) => new Date(ms).toISOString();
/** Zendesk and Typeform write times without milliseconds. */
const isoSeconds = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

// ---------------------------------------------------------------------------------------
// Zendesk (event webhooks, `zen:event-type:ticket.*`)

/** Our Zendesk instance's account number: the same on every event. */
export const ZENDESK_ACCOUNT = 12514403;

export interface ZendeskTicket {
  readonly ticketId: number;
  readonly organizationId: string;
  readonly requesterId: string;
  readonly subject: string;
  readonly description: string;
  /** Upper case, as Zendesk's examples send it. */
  readonly priority: "LOW" | "NORMAL" | "HIGH" | "URGENT";
  readonly status: "NEW" | "OPEN" | "PENDING" | "SOLVED";
  readonly createdAt: number;
}

export type ZendeskChange =
  | { readonly kind: "created" }
  | { readonly kind: "status_changed"; readonly current: string; readonly previous: string }
  | { readonly kind: "priority_changed"; readonly current: string; readonly previous: string }
  | {
      readonly kind: "comment_added";
      readonly commentId: number;
      readonly body: string;
      readonly authorId: string;
      readonly staff: boolean;
    };

/** One ticket event: `detail` is the ticket as it is after the change. */
export function zendeskTicketEvent(
  id: string,
  at: number,
  ticket: ZendeskTicket,
  change: ZendeskChange,
) {
  let event: Record<string, unknown> = {};
  if (change.kind === "status_changed" || change.kind === "priority_changed") {
    event = { current: change.current, previous: change.previous };
  } else if (change.kind === "comment_added") {
    event = {
      comment: {
        id: String(change.commentId),
        body: change.body,
        is_public: true,
        author: { id: change.authorId, is_staff: change.staff, name: null },
      },
    };
  }
  return {
    account_id: ZENDESK_ACCOUNT,
    detail: {
      actor_id: change.kind === "comment_added" ? change.authorId : ticket.requesterId,
      assignee_id: null,
      brand_id: "360001234567",
      created_at: isoSeconds(ticket.createdAt),
      custom_status: ticket.status === "SOLVED" ? "16262380283026" : "16262380283025",
      description: ticket.description,
      external_id: null,
      form_id: "360003456789",
      group_id: "360006543210",
      id: String(ticket.ticketId),
      is_public: true,
      organization_id: ticket.organizationId,
      priority: ticket.priority,
      requester_id: ticket.requesterId,
      status: ticket.status,
      subject: ticket.subject,
      submitter_id: ticket.requesterId,
      tags: [],
      type: "INCIDENT",
      updated_at: isoSeconds(at),
      via: { channel: "email" },
    },
    event,
    id,
    subject: `zen:ticket:${ticket.ticketId}`,
    time: isoSeconds(at),
    type: `zen:event-type:ticket.${change.kind}`,
    zendesk_event_version: "2022-11-06",
  };
}

// ---------------------------------------------------------------------------------------
// Typeform (`form_response`; questions found by their field ref)

export const PULSE_FORM = {
  id: "hC5pUlse",
  title: "How are we doing?",
  fields: {
    nps: { id: "Nq8cT1xZ", type: "opinion_scale", title: "How likely are you to recommend us?" },
    nps_comment: { id: "Cm4rK9vB", type: "long_text", title: "What is the main reason?" },
    csat: { id: "Sa7tQ2wE", type: "rating", title: "How satisfied are you with support?" },
  },
} as const;

export interface TypeformAnswers {
  readonly nps?: number;
  readonly comment?: string;
  readonly csat?: number;
}

/** A survey response; `hidden` names the respondent's account or email (set in the form URL). */
export function typeformResponse(
  eventId: string,
  token: string,
  at: number,
  hidden: { account_id: string } | { email: string },
  answers: TypeformAnswers,
) {
  const { fields } = PULSE_FORM;
  const field = (ref: keyof typeof fields) => ({ id: fields[ref].id, type: fields[ref].type, ref });
  const list: Record<string, unknown>[] = [];
  if (answers.nps !== undefined)
    list.push({ type: "number", number: answers.nps, field: field("nps") });
  if (answers.comment !== undefined)
    list.push({ type: "text", text: answers.comment, field: field("nps_comment") });
  if (answers.csat !== undefined)
    list.push({ type: "number", number: answers.csat, field: field("csat") });
  return {
    event_id: eventId,
    event_type: "form_response",
    form_response: {
      form_id: PULSE_FORM.id,
      token,
      landed_at: isoSeconds(at - 95_000),
      submitted_at: isoSeconds(at),
      hidden,
      definition: {
        id: PULSE_FORM.id,
        title: PULSE_FORM.title,
        fields: Object.entries(fields).map(([ref, f]) => ({ ...f, ref })),
      },
      answers: list,
    },
  };
}

// ---------------------------------------------------------------------------------------
// Segment (Classic webhook destination: one message per delivery)

const segmentCommon = (messageId: string, at: number) => ({
  messageId,
  timestamp: iso(at),
  sentAt: iso(at + 180),
  receivedAt: iso(at + 260),
  version: 2,
});

const segmentContext = (groupId?: string) => ({
  library: { name: "analytics.js", version: "4.1.0" },
  ...(groupId ? { groupId } : {}),
});

/** `track`: the account in `context.groupId`; `properties.feature` names the feature. */
export function segmentTrack(
  messageId: string,
  at: number,
  userId: string,
  groupId: string,
  event: string,
  properties: Record<string, unknown>,
) {
  return {
    ...segmentCommon(messageId, at),
    type: "track",
    userId,
    event,
    properties,
    context: segmentContext(groupId),
  };
}

/** `page`: only the user is named; the account comes from the user's learned alias. */
export function segmentPage(
  messageId: string,
  at: number,
  userId: string,
  path: string,
  title: string,
) {
  return {
    ...segmentCommon(messageId, at),
    type: "page",
    userId,
    name: title,
    properties: { path, title, url: `https://app.example.com${path}`, referrer: "" },
    context: segmentContext(),
  };
}

/** `identify`: a person's traits; the account comes from the email domain's alias. */
export function segmentIdentify(
  messageId: string,
  at: number,
  userId: string,
  traits: { email: string; name: string; title: string; company: { name: string; plan: string } },
) {
  return {
    ...segmentCommon(messageId, at),
    type: "identify",
    userId,
    traits,
    context: segmentContext(),
  };
}

/** `group`: the account's traits (name, plan, seats, owner). */
export function segmentGroup(
  messageId: string,
  at: number,
  userId: string,
  groupId: string,
  traits: { name: string; plan: string; seats: number; owner: string; industry: string },
) {
  return {
    ...segmentCommon(messageId, at),
    type: "group",
    userId,
    groupId,
    traits,
    context: segmentContext(),
  };
}

// ---------------------------------------------------------------------------------------
// Standard Webhooks (generic): the product's own backend

/** `{type, timestamp, data}`; the event id travels in the `webhook-id` header. */
export function genericEvent(
  type: "usage" | "milestone" | "ces" | "nps" | "csat",
  at: number,
  accountId: string,
  data: Record<string, unknown>,
) {
  return { type, timestamp: iso(at), data: { account_id: accountId, ...data } };
}
