/**
 * Events files for import and replay tests: one generic webhook payload per line, as a
 * company exports its history. A steady customer's days, seeded only by their dates.
 */
const DAY_MS = 86_400_000;

/** One line: a generic payload at `at`, with an `id` unless `id` is null. */
export function eventLine(
  type: string,
  at: number,
  data: Record<string, unknown>,
  id: string | null = null,
): string {
  return JSON.stringify({
    ...(id === null ? {} : { id }),
    type,
    timestamp: new Date(at).toISOString(),
    data,
  });
}

/**
 * `days` days of a steady customer's activity ending yesterday (as of `now`): a subscription
 * on the first day, usage every day, a ticket opened and solved every week, a payment every
 * 30 days, an NPS answer every 90. Each line has an id `{accountId}-{n}`.
 */
export function steadyCustomerLines(accountId: string, now: number, days: number): string[] {
  const lines: string[] = [];
  const start = Math.floor(now / DAY_MS) * DAY_MS - days * DAY_MS;
  let n = 0;
  const add = (type: string, at: number, data: Record<string, unknown>) =>
    lines.push(eventLine(type, at, { account_id: accountId, ...data }, `${accountId}-${n++}`));
  add("subscription", start + 3_600_000, { status: "active", mrr: 50_000, currency: "usd" });
  for (let d = 0; d < days; d++) {
    const noon = start + d * DAY_MS + 12 * 3_600_000;
    add("usage", noon, { event: "report_exported", count: 3, feature: `feature-${d % 5}` });
    if (d % 7 === 2) add("ticket", noon + 60_000, { ticket_id: `t${d}`, status: "open" });
    if (d % 7 === 4) add("ticket", noon + 60_000, { ticket_id: `t${d - 2}`, status: "solved" });
    if (d % 30 === 1) add("payment", noon + 120_000, { status: "succeeded", amount: 50_000 });
    if (d % 90 === 5) add("nps", noon + 180_000, { score: 9 });
  }
  return lines;
}
