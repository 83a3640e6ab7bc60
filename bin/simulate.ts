/**
 * `npm run simulate -- --customers N --days D --seed S --out DIR [--mix b2b|plg] [--start DATE]`
 * writes DIR/events.jsonl (generic webhook payloads), DIR/labels.csv (account_id,churned_at)
 * and DIR/accounts.csv (each account's archetype). The generative model: docs/quality.md.
 */
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { parseArgs } from "node:util";
import { DEFAULT_MIX, MIXES } from "../lib/quality/simulate/mixes.ts";
import {
  accountsOf,
  archetypesCsv,
  drawCustomers,
  eventLine,
  labelsCsv,
  simulateEvents,
} from "../lib/quality/simulate/simulate.ts";

function fail(message: string): never {
  process.stderr.write(`simulate: ${message}\n`);
  process.exit(2);
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      customers: { type: "string" },
      days: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      mix: { type: "string" },
      start: { type: "string" },
    },
  });
  if (!values.out) fail("--out DIR is required");
  const mix = MIXES[values.mix ?? DEFAULT_MIX];
  if (!mix) fail(`--mix must be one of ${Object.keys(MIXES).join(", ")}`);
  const start = Date.parse(`${values.start ?? "2026-01-05"}T00:00:00Z`);
  if (!Number.isFinite(start)) fail("--start must be a date, YYYY-MM-DD");
  const options = {
    customers: positiveInt(values.customers, "customers", 300),
    days: positiveInt(values.days, "days", 180),
    seed: positiveInt(values.seed, "seed", 1),
    mix,
    start,
  };
  await mkdir(values.out, { recursive: true });
  const customers = drawCustomers(options);
  const eventsPath = join(values.out, "events.jsonl");
  const stream = createWriteStream(eventsPath);
  let count = 0;
  for (const day of simulateEvents(customers, options.days)) {
    const chunk = day.map((event) => `${eventLine(event)}\n`).join("");
    count += day.length;
    if (!stream.write(chunk))
      await new Promise<void>((resolve) => stream.once("drain", () => resolve()));
  }
  stream.end();
  await finished(stream);
  const accounts = accountsOf(customers, options);
  await writeFile(join(values.out, "labels.csv"), labelsCsv(accounts));
  await writeFile(join(values.out, "accounts.csv"), archetypesCsv(accounts));
  const churned = accounts.filter((a) => a.churnedAt !== null).length;
  process.stdout.write(
    `simulate.events: ${count} events\nsimulate.customers: ${accounts.length} accounts\n` +
      `simulate.churned: ${churned} accounts\nsimulate.out: ${values.out} (mix ${mix.name}, seed ${options.seed})\n`,
  );
}

await main();
