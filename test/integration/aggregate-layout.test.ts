import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DAY_ATTR,
  decodeAggregate,
  encodeAggregate,
  type Item,
  VERSION,
} from "../../functions/adapters/dynamo/aggregate-layout.ts";
import {
  foldAggregate,
  readAggregateItems,
} from "../../functions/adapters/dynamo/aggregate-reads.ts";
import { DynamoEventStore } from "../../functions/adapters/dynamo/event-store.ts";
import { aggregateOf, usageImpactOf } from "../../functions/domain/aggregate.ts";
import { readFacts } from "../../functions/domain/facts.ts";
import { monthOfDay } from "../../functions/domain/history.ts";
import { score } from "../../functions/domain/score.ts";
import type { SignalValues } from "../../functions/domain/signals.ts";
import { epochDay } from "../../functions/domain/time.ts";
import { type EventRecord, signalsOf, updateFor } from "../../functions/webhook/ingest.ts";
import { PROVIDER_NAMES } from "../../functions/webhook/providers/registry.ts";
import { differences } from "../support/approx.ts";
import { occurredAtArb, signalValuesArb } from "../support/arbitraries.ts";
import { accountItems, freshTable, testClients } from "../support/dynamo.ts";
import { DAY, NOW } from "../support/signals.ts";
import { testCompiled, testModel } from "../support/test-model.ts";

const { doc } = testClients();
let tableName: string;
let store: DynamoEventStore;
let runs = 0;

beforeAll(async () => {
  tableName = (await freshTable("aggregate-layout")).tableName;
  store = new DynamoEventStore(doc, { tableName });
});

const MONTHS_14 = 426;

interface TestEvent {
  readonly source: (typeof PROVIDER_NAMES)[number];
  readonly eventId: string;
  readonly occurredAt: number;
  readonly signals: readonly SignalValues[];
}

/** Events of one account over 14 months: a few signals each, all at the event's time. */
const eventsArb = fc
  .array(
    fc.record({
      source: fc.constantFrom(...PROVIDER_NAMES),
      occurredAt: occurredAtArb({ maxDaysAgo: MONTHS_14 }),
      signals: fc.array(signalValuesArb(), { minLength: 1, maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((events) => events.map((e, i): TestEvent => ({ ...e, eventId: `evt-${i}` })));

/** A delivery: an event, or a fold of the account as scoring does at an earlier moment. */
type Step = { readonly event: TestEvent } | { readonly foldAt: number };

/**
 * The events, some twice or three times, in any order, with up to two folds at moments
 * within the 14 months in between, in time order.
 */
const deliveriesArb = eventsArb.chain((events) =>
  fc
    .tuple(
      fc.array(fc.constantFrom(...events), { maxLength: 10 }),
      fc.array(fc.integer({ min: 1, max: MONTHS_14 * DAY }), { maxLength: 2 }),
    )
    .chain(([repeats, foldsAgo]) => {
      const steps: Step[] = [
        ...[...events, ...repeats].map((event) => ({ event })),
        ...foldsAgo.sort((a, b) => b - a).map((ago) => ({ foldAt: NOW - ago })),
      ];
      return fc
        .shuffledSubarray(steps, { minLength: steps.length, maxLength: steps.length })
        .map((delivered) => {
          // Folds keep their time order (scoring runs forward in time); events go anywhere.
          const folds = steps.filter((s) => "foldAt" in s);
          let next = 0;
          return {
            events,
            delivered: delivered.map((s) => ("foldAt" in s ? (folds[next++] as Step) : s)),
          };
        });
    }),
);

function recordOf(event: TestEvent, accountId: string): EventRecord {
  return {
    source: event.source,
    // Event records are global (EVENT#{source}#{id}): ids are unique to the account.
    eventId: `${accountId}/${event.eventId}`,
    type: "test",
    occurredAt: event.occurredAt,
    receivedAt: NOW,
    accountId,
    refs: [],
    signals: event.signals,
    status: "applied",
  };
}

/** Every item of the account's partition (AGG*, TKT#, INV#), without its version. */
async function partition(accountId: string): Promise<Item[]> {
  const items = await accountItems(doc, tableName, accountId);
  return items.map(({ [VERSION]: _version, ...item }) => item);
}

/**
 * Items by sort key. A state item holding nothing (no register, milestone, open ticket
 * or failed invoice) is left out: replay writes one, webhooks that change no register
 * never do, and both read as no state.
 */
const bySk = (items: readonly Item[]) =>
  Object.fromEntries(
    items
      .filter(
        (item) =>
          !(
            item.sk === "AGG" &&
            Object.keys(item).every((k) => ["pk", "sk", "accountId"].includes(k))
          ),
      )
      .map((item) => [String(item.sk), item]),
  );

/**
 * Items with the features they name set apart, and the features as the partition reads
 * them: each exact one's last day, and the last month any was used. Webhooks keep a
 * feature in the bucket of every day it was used and the fold in every month it was used
 * (`f`, `f_{name}`, folded `fu`); replay (`encodeAggregate`) keeps it only where it was
 * last used, because the domain's aggregate keeps only that day. Both read the same, now
 * and as months expire: compared as read, not attribute by attribute.
 */
function featuresApart(accountId: string, items: readonly Item[]) {
  const { features, months } = decodeAggregate(accountId, items);
  const usedIn = [
    ...[...features.values()].map(monthOfDay),
    ...[...months].filter(([, m]) => m.featuresUsed).map(([month]) => month),
  ];
  const rest = items.map((item) =>
    Object.fromEntries(
      Object.entries(item).filter(([key]) => {
        const sk = String(item.sk);
        // `ingested` marks ingestion's writes for the score stream; it is no fact.
        if (sk.startsWith("AGG#D#")) return key !== "f" && key !== DAY_ATTR.ingested;
        if (sk.startsWith("AGG#M#")) return !key.startsWith("f_") && key !== "fu";
        return true;
      }),
    ),
  );
  return {
    items: bySk(rest),
    features,
    lastMonthUsed: usedIn.length > 0 ? Math.max(...usedIn) : null,
  };
}

/** Delivers the steps in order, a few at a time as concurrent webhooks would. */
async function deliver(accountId: string, steps: readonly Step[]) {
  const outcomes = new Map<string, string[]>();
  let batch: TestEvent[] = [];
  const flush = async () => {
    const results = await Promise.all(
      batch.map((event) => {
        const record = recordOf(event, accountId);
        return store.recordApplied(record, updateFor(record, accountId, testModel));
      }),
    );
    for (const [i, event] of batch.entries()) {
      outcomes.set(event.eventId, [...(outcomes.get(event.eventId) ?? []), results[i] as string]);
    }
    batch = [];
  };
  for (const step of steps) {
    if ("foldAt" in step) {
      await flush();
      const items = await readAggregateItems(doc, tableName, accountId);
      await foldAggregate(doc, tableName, accountId, items, step.foldAt);
    } else {
      // A provider's retry may race the first delivery: repeats go in the same batch too.
      if (batch.length >= 3) await flush();
      batch.push(step.event);
    }
  }
  await flush();
  return outcomes;
}

describe("stored aggregate on DynamoDB Local", () => {
  it("reads and, once folded, stores the same as the reference of each event applied once", async () => {
    await fc.assert(
      fc.asyncProperty(deliveriesArb, async ({ events, delivered }) => {
        const accountId = `acct-layout-${++runs}`;
        const now = epochDay(NOW) * DAY + 13 * 3_600_000;
        const impactOf = usageImpactOf(testModel);
        const reference = aggregateOf(
          accountId,
          events.flatMap((e) => signalsOf(recordOf(e, accountId), accountId)),
          impactOf,
        );

        const outcomes = await deliver(accountId, delivered);

        // Exactly once: one delivery of each event is stored, every other is a duplicate.
        for (const event of events) {
          const delivered = outcomes.get(event.eventId) ?? [];
          expect(delivered.filter((o) => o === "stored")).toEqual(["stored"]);
          expect(delivered.filter((o) => o !== "stored").every((o) => o === "duplicate")).toBe(
            true,
          );
        }
        const read = decodeAggregate(
          accountId,
          await readAggregateItems(doc, tableName, accountId),
        );
        // Months folded by an earlier fold are read by their moments: within 1% (history.ts).
        expect(
          differences(readFacts(read, testModel, now), readFacts(reference, testModel, now), 0.01),
        ).toEqual([]);
        const stored = score(read, testCompiled, null, now);
        const expected = score(reference, testCompiled, null, now);
        expect(stored.score === null).toBe(expected.score === null);
        expect(Math.abs((stored.score ?? 0) - (expected.score ?? 0))).toBeLessThanOrEqual(1);
        if (Math.abs((expected.score ?? 0) - 70) > 1 && Math.abs((expected.score ?? 0) - 40) > 1) {
          expect(stored.tier).toBe(expected.tier);
        }

        await foldAggregate(
          doc,
          tableName,
          accountId,
          await readAggregateItems(doc, tableName, accountId),
          now,
        );

        // Folding changes no fact (month-folds.ts planFold), beyond the folded months' 1%.
        const folded = decodeAggregate(
          accountId,
          await readAggregateItems(doc, tableName, accountId),
        );
        expect(
          differences(readFacts(folded, testModel, now), readFacts(read, testModel, now), 0.01),
        ).toEqual([]);
        const online = featuresApart(accountId, await partition(accountId));
        const replayed = featuresApart(accountId, encodeAggregate(reference, now));
        expect(differences(online.items, replayed.items)).toEqual([]);
        expect(differences(online.features, replayed.features)).toEqual([]);
        expect(online.lastMonthUsed).toBe(replayed.lastMonthUsed);
      }),
      { numRuns: 20 },
    );
  }, 180_000);
});
