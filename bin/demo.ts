/**
 * `npm run demo`: 90 days of 30 customers' activity, sent as Stripe, Zendesk, Typeform,
 * Segment and a product backend (Standard Webhooks) would send it (signed, some twice, some
 * out of order), then the customers' health as a CS manager reads it, and the alerts.
 *
 * Targets the stack at `--url URL`, else DEMO_URL, else http://127.0.0.1:${PORT:-3000}
 * (the port `npm start` uses, so `PORT=3001 npm start` pairs with `PORT=3001 npm run demo`).
 * When nothing answers there, starts one in this process and stops it at the end; with
 * an explicit --url it says so and exits instead. Webhook secrets: the *_WEBHOOK_SECRET environment variables, else the dev
 * defaults (as the stack does). The scenario is seeded (DEMO_SEED): every run tells the
 * same story.
 */
import { emailMessage } from "../functions/alerts/message.ts";
import type { HealthEvent } from "../functions/events/health-events.ts";
import type { Provider as Source } from "../functions/webhook/providers/registry.ts";
import { JavaMissingError } from "../lib/local/dynamodb-local.ts";
import { DEV_SECRETS, type LocalStack, SECRET_ENV, startLocalStack } from "../lib/local/runtime.ts";
import { SCORE_STREAM } from "../lib/topology.ts";
import { emptyStats, type ListedCustomer, StackClient } from "./demo/client.ts";
import { STORY_TEXT } from "./demo/customers.ts";
import { historySection } from "./demo/history.ts";
import {
  alertLines,
  customerTable,
  deliveryLines,
  fmt,
  type Row,
  storyCheck,
  tierChangeLines,
  tierCounts,
} from "./demo/report.ts";
import { buildScenario, type Thread, WINDOW_DAYS } from "./demo/scenario.ts";
import { DemoUrlError, demoUrl } from "./demo/target.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";

/** Webhooks in flight at once: modest, as several tools sending at the same time. */
const CONCURRENCY = 8;
const ACTS = [
  "while the history loaded",
  "as the last three weeks played out",
  "after mapping the last Zendesk organizations",
] as const;

const started = Date.now();
const realWrite = process.stdout.write.bind(process.stdout);
const print = (line = "") => {
  realWrite(`${line}\n`);
};
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)} s`;
const countOf = (threads: readonly Thread[]) =>
  threads.reduce((n, t) => n + t.deliveries.length, 0);
/**
 * The stream hands the score function up to a second of changes at a time: a customer's
 * first score sees what arrived by then. Starting each customer on a fresh batch means its
 * first score already sees its recent weeks and its current state, not a sliver of them.
 */
const BATCH_GAP_MS = SCORE_STREAM.maxBatchingWindowSeconds * 1000 + 300;

/**
 * The in-process stack prints alert emails and logs on stdout: keep them out of the demo's
 * own output (the alerts are summarized at the end) and keep what they said.
 */
function captureStdout() {
  const chunks: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  return {
    text: () => chunks.join(""),
    restore: () => {
      process.stdout.write = realWrite as typeof process.stdout.write;
    },
  };
}

interface Target {
  readonly client: StackClient;
  /** The stack, when this process started it. */
  readonly stack: LocalStack | null;
  readonly description: string;
  /** Waits until every change so far is scored. */
  settle(): Promise<void>;
  /** Waits until the next change starts a new stream batch. */
  nextBatch(): Promise<void>;
}

/** The stack at the demo URL, or one started here when nothing answers there. */
async function connect(stackLog: string[]): Promise<Target> {
  const { url, explicit } = demoUrl(process.argv.slice(2), process.env);
  const answers = await StackClient.answers(url);
  if (!answers && explicit) {
    throw new DemoUrlError(
      `Nothing answers at ${url} (--url). Start the stack there, or leave out --url and the demo starts its own.`,
    );
  }
  if (answers) {
    const secrets = {} as Record<Source, string>;
    const fromEnv: string[] = [];
    for (const [source, env] of Object.entries(SECRET_ENV) as [Source, string][]) {
      // During a rotation the variable holds two secrets; tools sign with the first.
      const value = process.env[env]?.split(",")[0]?.trim();
      if (value) fromEnv.push(source);
      secrets[source] = value || DEV_SECRETS[source];
    }
    const client = new StackClient(url, secrets);
    const secretNote = fromEnv.length
      ? `${fromEnv.join(", ")} secrets from the environment, the others dev defaults`
      : "dev-default webhook secrets";
    return {
      client,
      stack: null,
      description: `the stack at ${url} (${secretNote})`,
      settle: () => client.waitUntilStable(),
      nextBatch: () => new Promise((r) => setTimeout(r, BATCH_GAP_MS)),
    };
  }
  const stack = await startLocalStack({ port: 0, log: (line) => stackLog.push(line) });
  const secrets = Object.fromEntries(
    Object.entries(stack.secrets).map(([source, s]) => [source, s.value.split(",")[0] as string]),
  ) as Record<Source, string>;
  return {
    client: new StackClient(stack.baseUrl, secrets),
    stack,
    description: `a stack started for this demo at ${stack.baseUrl} (nothing answered at ${url}; a stack on another port: PORT=3001 npm run demo, or --url; DynamoDB Local in memory, stopped at the end)`,
    settle: () => stack.settle(),
    nextBatch: () => stack.settle(),
  };
}

async function snapshot(client: StackClient, ids: ReadonlySet<string>) {
  const all = await client.listAll();
  return new Map<string, ListedCustomer>(
    all.filter((c) => ids.has(c.accountId)).map((c) => [c.accountId, c]),
  );
}

async function main() {
  print("customer-health demo: 30 customers, 90 days of Stripe, Zendesk, Typeform, Segment and");
  print("product-usage webhooks; then who is healthy, who is at risk, and why.");
  print();
  const stackLog: string[] = [];
  const capture = captureStdout();
  let target: Target;
  try {
    target = await connect(stackLog);
  } catch (error) {
    capture.restore();
    if (error instanceof JavaMissingError || error instanceof DemoUrlError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  if (!target.stack) capture.restore();
  const { client, stack } = target;
  print(`Using ${target.description}.`);

  const scenario = buildScenario({
    now: Date.now(),
    seed: Number(process.env.DEMO_SEED ?? 20_261_122),
    runTag: Math.floor(Date.now() / 1000).toString(36),
  });
  const ids = new Set(scenario.customers.map((c) => c.id));
  const names = new Map(scenario.customers.map((c) => [c.id, c.name]));
  const stats = emptyStats();
  /** busEvents length at the end of each step, to tell which step an alert came from. */
  const marks: number[] = [];
  const mark = () => marks.push(stack?.busEvents.length ?? 0);
  const snapshots: Map<string, ListedCustomer>[] = [];
  try {
    if (await client.customer(scenario.customers[0]?.id ?? "")) {
      print("Note: this stack already has the demo customers from an earlier run; this run's");
      print(
        "activity adds to theirs. Restart `npm start` (in memory by default) for a clean picture.",
      );
    }
    snapshots.push(await snapshot(client, ids));
    mark();

    // 1. Connect the tools.
    await client.sendThreads(scenario.connect, CONCURRENCY, stats);
    let applied = 0;
    for (const request of scenario.aliases) {
      applied += await client.putAliases(request.accountId, request.body);
    }
    const mappedOrgs = scenario.aliases.filter((a) => a.body.zendesk).length;
    print();
    print("1. Connecting the tools");
    print(
      "   Stripe tells us each customer's account id (metadata.account_id on customer.created /",
    );
    print(
      `   customer.updated); the CS team maps ${mappedOrgs} of ${scenario.customers.length} Zendesk organizations and every`,
    );
    print("   customer's email domain (PUT /accounts/{id}/aliases).");

    // 2. Ninety days of history.
    const t = Date.now();
    print();
    print(
      `2. Replaying ${WINDOW_DAYS} days of history, customer by customer: ${fmt(scenario.history.reduce((n, block) => n + countOf(block), 0))} webhooks`,
    );
    for (const block of scenario.history) {
      await client.sendThreads(block, CONCURRENCY, stats);
      await target.nextBatch();
    }
    await target.settle();
    snapshots.push(await snapshot(client, ids));
    mark();
    print(
      `   Customers now: ${tierCounts(rowsFrom(scenario.customers, snapshots.at(-1)))}. [${seconds(t)}]`,
    );

    // 3. The last three weeks' stories, in the order they happened.
    print();
    print(
      `3. The last three weeks, in the order it happened: ${countOf(scenario.trouble)} webhooks`,
    );
    for (const c of scenario.customers) {
      if (c.story && !["lukewarm", "contraction", "silent"].includes(c.story)) {
        print(`   ${c.name}: ${STORY_TEXT[c.story]}`);
      }
    }
    await client.sendThreads(scenario.trouble, CONCURRENCY, stats);
    await target.settle();
    snapshots.push(await snapshot(client, ids));
    mark();

    // 4. The last Zendesk organizations are mapped: their waiting tickets apply now.
    let lateApplied = 0;
    for (const request of scenario.lateAliases) {
      lateApplied += await client.putAliases(request.accountId, request.body);
    }
    applied += lateApplied;
    await target.settle();
    snapshots.push(await snapshot(client, ids));
    mark();
    const late = scenario.lateAliases.map((a) => names.get(a.accountId)).join(" and ");
    print();
    print(`4. Mapping the Zendesk organizations of ${late}: their ${lateApplied} waiting`);
    print("   ticket events are applied now.");

    // The picture now.
    const rows: Row[] = [];
    for (const customer of scenario.customers) {
      rows.push({ customer, detail: await client.customer(customer.id) });
    }
    const waiting = (await client.unmatched()).map(
      (e) => `a ${e.source} ${e.type} from ${e.refs.map((r) => r.id).join(", ")}`,
    );
    const events: HealthEvent[] = stack?.busEvents ?? [];

    print();
    print(`Customer health now, worst first (${tierCounts(rows)})`);
    print();
    for (const line of customerTable(rows)) print(line);

    print();
    if (stack) {
      const alerts = events.filter((e) => e.detail.alert !== "none");
      print(
        `Alerts sent to the CS team: ${alerts.length} (PAGE: Slack and email; report: Slack only)`,
      );
      for (const [i, act] of ACTS.entries()) {
        const lines = alertLines(events.slice(marks[i] ?? 0, marks[i + 1] ?? events.length), names);
        if (lines.length === 0) continue;
        print(`  ${act}:`);
        for (const line of lines) print(line);
      }
      const quiet = events.length - alerts.length;
      print(
        `  (${quiet} first scores went to the bus without an alert: a first score is news only when critical)`,
      );
    } else {
      print("Tier changes seen through GET /customers after each step (the API lists no alerts;");
      print("the stack's console shows the ones it sent; first scores, which alert only when");
      print("critical, are left out):");
      for (const [i, act] of ACTS.entries()) {
        const before = snapshots[i] ?? new Map();
        const lines = tierChangeLines(before, snapshots[i + 1] ?? new Map(), names);
        if (lines.length === 0) continue;
        print(`  ${act}:`);
        for (const line of lines) print(line);
      }
    }

    print();
    print("The stories the demo scripted, and what the system made of them");
    const stories = storyCheck(rows, events, snapshots[1] ?? new Map(), snapshots);
    for (const line of stories.lines) print(line);
    print();
    if (stories.missed.length === 0) {
      print("Every customer ended where its story says (steady ones healthy).");
    } else {
      // The stories are the model's common-sense check: a miss is a finding, not noise.
      print(`${stories.missed.length} customers did not end where their story says:`);
      for (const line of stories.missed) print(`  ✗ ${line}`);
      process.exitCode = 1;
    }

    // 5. Every customer's daily history, rebuilt from the event log.
    print();
    print("Daily history, rebuilt from the event log (as `npm run replay` does)");
    for (const line of await historySection(target, scenario.customers, ids)) print(line);

    const example = events.find((e) => e.detail.alert === "page");
    if (example) {
      const { subject, text } = emailMessage(example);
      print();
      print("The email the CS team got for the first PAGE:");
      print(`  Subject: ${subject}`);
      for (const line of text.split("\n")) print(`  ${line}`.trimEnd());
    }

    print();
    print("What was sent");
    for (const line of deliveryLines(stats, CONCURRENCY, applied, waiting)) print(line);
    if (stack) {
      const errors = capture
        .text()
        .split("\n")
        .filter((line) => /"level":"(ERROR|CRITICAL)"/.test(line));
      const problems = stackLog.filter((line) => !line.startsWith("event:"));
      if (stack.streamDeadLetters.length > 0 || problems.length > 0 || errors.length > 0) {
        print(
          `  Stack problems: ${stack.streamDeadLetters.length} stream records dead-lettered, ${errors.length} errors logged`,
        );
        for (const line of [...problems, ...errors].slice(0, 3)) print(`    ${line.slice(0, 200)}`);
      }
    }
    print();
    print(`Done in ${seconds(started)}.`);
  } finally {
    if (stack) {
      await stack.stop();
      capture.restore();
    }
  }
}

/** Rows from a GET /customers snapshot (score and tier only). */
function rowsFrom(
  customers: readonly Row["customer"][],
  snap: ReadonlyMap<string, ListedCustomer> | undefined,
): Row[] {
  return customers.map((customer) => {
    const listed = snap?.get(customer.id);
    return {
      customer,
      detail: listed
        ? { ...listed, owner: null, segment: "", drivers: [], components: [], version: 0 }
        : null,
    };
  });
}

await main();
