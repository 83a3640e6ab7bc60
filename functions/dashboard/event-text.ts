/**
 * An event from the event log in words, for a customer's page: what each of its signals
 * says ("NPS 3 (detractor): too slow", "payment failed: 49.00 USD"), else its type.
 */
const money = (amount: unknown, currency: unknown) =>
  typeof amount === "number"
    ? ` ${(amount / 100).toFixed(2)}${typeof currency === "string" ? ` ${currency.toUpperCase()}` : ""}`
    : "";
const quote = (text: unknown) =>
  typeof text === "string" && text.trim() !== ""
    ? `: “${text.trim().length > 80 ? `${text.trim().slice(0, 80)}…` : text.trim()}”`
    : "";
const npsGroup = (score: number) =>
  score >= 9 ? "promoter" : score >= 7 ? "passive" : "detractor";

/** One signal in words. */
export function signalText(signal: Readonly<Record<string, unknown>>): string {
  const s = signal;
  switch (s.kind) {
    case "usage":
      return `used ${String(s.event)}${typeof s.count === "number" && s.count > 1 ? ` × ${s.count}` : ""}`;
    case "active":
      return "was active";
    case "feature_used":
      return `used feature ${String(s.feature)}`;
    case "nps":
      return `NPS ${String(s.score)} (${npsGroup(Number(s.score))})${quote(s.comment)}`;
    case "csat":
      return `CSAT ${String(s.score)}/5${quote(s.comment)}`;
    case "ces":
      return `effort score ${String(s.score)}/7`;
    case "ticket_opened":
      return `ticket ${String(s.ticketId)} opened${s.priority ? ` (${String(s.priority)})` : ""}${quote(s.text)}`;
    case "ticket_solved":
      return `ticket ${String(s.ticketId)} solved`;
    case "ticket_reopened":
      return `ticket ${String(s.ticketId)} reopened`;
    case "ticket_priority":
      return `ticket ${String(s.ticketId)} set to ${String(s.priority)}`;
    case "ticket_comment":
      return `comment on ticket ${String(s.ticketId)}${quote(s.text)}`;
    case "payment_succeeded":
      return `payment succeeded${money(s.amount, s.currency)}`;
    case "payment_failed":
      return `payment failed${money(s.amount, s.currency)}${typeof s.attempt === "number" ? ` (attempt ${s.attempt})` : ""}`;
    case "refund":
      return `refund${money(s.amount, s.currency)}`;
    case "dispute":
      return `payment disputed${money(s.amount, s.currency)}`;
    case "subscription": {
      const parts = [`subscription ${String(s.status).replace("_", " ")}`];
      if (s.cancelAtPeriodEnd === true) parts.push("set to cancel at period end");
      if (typeof s.mrr === "number") parts.push(`MRR${money(s.mrr, s.currency)}`);
      if (typeof s.plan === "string") parts.push(`plan ${s.plan}`);
      if (typeof s.seats === "number") parts.push(`${s.seats} seats`);
      return parts.join(", ");
    }
    case "milestone":
      return `reached ${String(s.name)}`;
    case "profile":
      return `profile updated${typeof s.owner === "string" ? ` (owner ${s.owner})` : ""}`;
    default:
      return String(s.kind ?? "event");
  }
}

/** An event's signals in words, joined; its type when it carries none. */
export function eventLine(type: unknown, signals: unknown): string {
  const list = Array.isArray(signals) ? (signals as Record<string, unknown>[]) : [];
  const text = list.map(signalText).join("; ");
  return text || String(type ?? "event");
}
