/**
 * Typeform `form_response` → NPS, CSAT and CES signals.
 *
 * Questions are found by their field `ref` (set in the form builder, stable across
 * edits), configured in the model as `typeform.npsRef/csatRef/cesRef`. Number, opinion
 * scale and rating questions all answer as `{type: "number", number}`. A text question
 * whose ref is `<npsRef>_comment` (or `<csatRef>_comment`) is the score's comment.
 */
import type { SignalValues } from "../../../domain/signals.ts";
import {
  type ExternalRef,
  type InboundEvent,
  MalformedPayloadError,
  type MappingConfig,
} from "../../inbound.ts";
import {
  accountIdOf,
  emailDomain,
  ignoredEvent,
  isoMillis,
  parseWith,
  signal,
  truncate,
} from "../common.ts";
import { type Answer, TypeformEvent } from "./schema.ts";

const RANGES = { nps: [0, 10], csat: [1, 5], ces: [1, 7] } as const;

/** Maps one verified Typeform delivery. */
export function parse(body: unknown, config: MappingConfig): InboundEvent[] {
  const event = parseWith(TypeformEvent, body, "typeform event");
  const response = event.form_response;
  if (event.event_type !== "form_response") {
    // Not applied, so its time is only for logs: partial responses may have none.
    const at = response?.submitted_at ?? response?.landed_at;
    return [
      ignoredEvent("typeform", event.event_id, event.event_type, at ? isoMillis(at, "time") : 0),
    ];
  }
  if (!response?.submitted_at) {
    throw new MalformedPayloadError("typeform event: form_response.submitted_at is required");
  }
  const occurredAt = isoMillis(response.submitted_at, "form_response.submitted_at");

  const byRef = answersByRef(response.answers ?? [], response.definition?.fields ?? []);
  const { npsRef, csatRef, cesRef } = config.typeform;
  const signals: SignalValues[] = [];
  const nps = scoreOf(byRef, npsRef, "nps");
  if (nps !== undefined) {
    signals.push(signal({ kind: "nps", score: nps, comment: commentOf(byRef, npsRef) }));
  }
  const csat = scoreOf(byRef, csatRef, "csat");
  if (csat !== undefined) {
    signals.push(signal({ kind: "csat", score: csat, comment: commentOf(byRef, csatRef) }));
  }
  const ces = scoreOf(byRef, cesRef, "ces");
  if (ces !== undefined) signals.push(signal({ kind: "ces", score: ces }));

  // A form with none of our questions is not a health survey: acknowledge, do not apply.
  if (signals.length === 0) {
    return [ignoredEvent("typeform", event.event_id, event.event_type, occurredAt)];
  }
  const accountId = accountIdOf(
    response.hidden?.account_id,
    "typeform event",
    "form_response.hidden.account_id",
  );
  const domain = accountId === null ? emailDomain(response.hidden?.email) : null;
  const refs: ExternalRef[] = domain ? [{ kind: "domain", id: domain }] : [];
  return [
    {
      source: "typeform",
      eventId: event.event_id,
      type: event.event_type,
      occurredAt,
      accountId,
      refs,
      signals,
      ignored: false,
    },
  ];
}

/** Answers keyed by field ref; the first answer of a ref wins. */
function answersByRef(
  answers: readonly Answer[],
  fields: readonly { id: string; ref?: string | null | undefined }[],
): Map<string, Answer> {
  const refOfId = new Map<string, string>();
  for (const field of fields) if (field.ref) refOfId.set(field.id, field.ref);
  const byRef = new Map<string, Answer>();
  for (const answer of answers) {
    const ref = answer.field.ref ?? refOfId.get(answer.field.id);
    if (ref !== undefined && !byRef.has(ref)) byRef.set(ref, answer);
  }
  return byRef;
}

function scoreOf(
  byRef: ReadonlyMap<string, Answer>,
  ref: string,
  kind: keyof typeof RANGES,
): number | undefined {
  const answer = byRef.get(ref);
  if (answer === undefined) return undefined;
  const [min, max] = RANGES[kind];
  const value = answer.number;
  if (answer.type !== "number" || value === undefined) {
    throw new MalformedPayloadError(`typeform answer ${ref} (${kind}) must be a number`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MalformedPayloadError(
      `typeform answer ${ref} (${kind}) must be an integer from ${min} to ${max}`,
    );
  }
  return value;
}

function commentOf(byRef: ReadonlyMap<string, Answer>, ref: string): string | undefined {
  const answer = byRef.get(`${ref}_comment`);
  const text = answer?.type === "text" ? answer.text?.trim() : undefined;
  return text ? truncate(text) : undefined;
}
