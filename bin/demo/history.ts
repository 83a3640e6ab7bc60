/**
 * The demo's last step: each customer's daily history, rebuilt from the event log through
 * the replay use case (as `npm run replay -- --account …` does), then read back through
 * GET /customers/{id} and checked: a point for every day since the customer's first event.
 */
import { BACKGROUND_TIMEOUTS, documentClient } from "../../functions/adapters/dynamo/client.ts";
import { isoDay } from "../../functions/domain/time.ts";
import type { ReplayReport } from "../../functions/replay/replay.ts";
import { readLocalStackInfo } from "../../lib/preview/local-stack.ts";
import { chosenModel, rebuildInTable } from "../../lib/replay/run.ts";
import type { StackClient } from "./client.ts";
import { DAY_MS, WINDOW_DAYS } from "./context.ts";
import type { Customer } from "./customers.ts";
import { fmt } from "./report.ts";

/** The stack the demo played to: its client, the stack itself when the demo started it. */
export interface HistoryTarget {
  readonly client: StackClient;
  readonly stack: { readonly dynamoEndpoint: string; readonly tableName: string } | null;
  /** Waits until every change so far is scored. */
  settle(): Promise<void>;
}

/** Where the stack keeps its table. */
export interface DemoTable {
  readonly endpoint: string | undefined;
  readonly tableName: string;
}

/** Rebuilds the customers' aggregates and daily history from the stack's event log. */
export async function rebuildHistory(
  table: DemoTable,
  accountIds: readonly string[],
): Promise<ReplayReport> {
  return rebuildInTable(
    {
      db: documentClient(table.endpoint, BACKGROUND_TIMEOUTS),
      tableName: table.tableName,
      model: await chosenModel(undefined),
    },
    accountIds,
  );
}

/** One customer's daily history as GET /customers/{id} returns it. */
export type DayPoints = readonly { readonly day: string }[];

/**
 * Whether every customer has a point for every day from its first point to today (the
 * API's window is 90 days back from today, both ends included), and how many the customers
 * older than the window show. `missed` names the customers with a gap or too few days.
 */
export function historyCheck(
  customers: readonly Customer[],
  histories: ReadonlyMap<string, DayPoints>,
  now: number,
): { lines: string[]; missed: string[] } {
  const missed: string[] = [];
  const older: number[] = [];
  const newer: number[] = [];
  for (const customer of customers) {
    const days = (histories.get(customer.id) ?? []).map((p) => p.day).sort();
    const first = days[0];
    // Signed up `signupDaysAgo` days ago (at some hour): at least that many days and today.
    const wanted = Math.min(WINDOW_DAYS, customer.signupDaysAgo + 1);
    const span =
      first === undefined ? 0 : (Date.parse(isoDay(now)) - Date.parse(first)) / DAY_MS + 1;
    if (days.length < wanted || days.length !== span || days.at(-1) !== isoDay(now)) {
      missed.push(
        `${customer.name}: ${days.length} daily points from ${first ?? "none"} to ${days.at(-1) ?? "none"}, expected one for each of at least ${wanted} days up to today`,
      );
    }
    (customer.signupDaysAgo >= WINDOW_DAYS ? older : newer).push(days.length);
  }
  const range = (values: number[]) =>
    Math.min(...values) === Math.max(...values)
      ? `${Math.min(...values)}`
      : `${Math.min(...values)}-${Math.max(...values)}`;
  const lines = [
    `   GET /customers/{id}: at least ${Math.min(...older)} daily points for each of the ${older.length} customers older than the window,`,
    `   ${newer.length > 0 ? `${range(newer)} for the ${newer.length} newer ones (one per day since they signed up)` : "and no newer ones"}.`,
  ];
  return { lines, missed };
}

/**
 * Rebuilds the customers' daily history, waits for the rescores it causes, and checks what
 * GET /customers/{id} returns; a customer without a point for every day fails the demo.
 */
export async function historySection(
  target: HistoryTarget,
  customers: readonly Customer[],
  ids: ReadonlySet<string>,
): Promise<string[]> {
  const { client, stack } = target;
  const info = stack ? null : await readLocalStackInfo(client.baseUrl);
  const table = stack
    ? { endpoint: stack.dynamoEndpoint, tableName: stack.tableName }
    : info && { endpoint: info.dynamoEndpoint, tableName: info.tableName };
  if (!table) {
    return [
      `   Skipped: no \`npm start\` on this machine names the table of ${client.baseUrl};`,
      `   run \`npm run replay -- --all --url ${client.baseUrl}\` where it runs.`,
    ];
  }
  const started = Date.now();
  const report = await rebuildHistory(table, [...ids]);
  await target.settle();
  const points = report.rebuilt.reduce((n, r) => n + r.days, 0);
  const lines = [
    `   ${fmt(points)} points for ${report.rebuilt.length} customers from ${fmt(report.events)} events, each scored as of the end of every day. [${((Date.now() - started) / 1000).toFixed(0)} s]`,
  ];
  for (const [id, error] of report.failed) lines.push(`   ✗ ${id}: ${error.message}`);
  const histories = new Map<string, DayPoints>();
  for (const customer of customers) {
    histories.set(customer.id, (await client.customer(customer.id))?.history ?? []);
  }
  const check = historyCheck(customers, histories, Date.now());
  lines.push(...check.lines);
  for (const line of check.missed) lines.push(`   ✗ ${line}`);
  if (report.failed.size > 0 || check.missed.length > 0) process.exitCode = 1;
  return lines;
}
