import { describe, expect, it } from "vitest";
import { MemoryScoreStore } from "../../../functions/adapters/memory/score-store.ts";
import { aggregateOf } from "../../../functions/domain/aggregate.ts";
import { inDueIndex, nextDayStart } from "../../../functions/domain/due.ts";
import { compileModel } from "../../../functions/domain/model.ts";
import type { HealthEvent } from "../../../functions/events/health-events.ts";
import { rescoreDue } from "../../../functions/scoring/rescore.ts";
import { scoreAccounts } from "../../../functions/scoring/score-accounts.ts";
import { compiled, healthyAggregate, healthyScore } from "../../support/scores.ts";
import { DAY, NOW, signal } from "../../support/signals.ts";

const HOUR = 3_600_000;
const publisher = { publish: async () => {} };

/**
 * Customers with a healthy aggregate and a score due at the given time, looked at an hour
 * before NOW (in the due index when due the same day), and today's sweep done.
 */
function storeWith(dueAt: Record<string, number>) {
  const store = new MemoryScoreStore(2);
  store.swept = { modelVersion: compiled.modelVersion, at: NOW - HOUR };
  for (const [id, at] of Object.entries(dueAt)) {
    store.aggregates.set(id, healthyAggregate(id));
    store.scores.set(id, {
      ...healthyScore(id, NOW - 2 * HOUR),
      accountName: null,
      owner: null,
      version: 1,
      inDrop: false,
      outbox: [],
    });
    store.dueAt.set(id, at);
    if (inDueIndex(at, NOW - HOUR)) store.indexedDue.add(id);
  }
  return store;
}

describe("rescoreDue", () => {
  it("rescores every customer due, over all shards and pages, and no other", async () => {
    const due = ["a", "b", "c", "d", "e"];
    const store = storeWith({
      ...Object.fromEntries(due.map((id) => [id, NOW - HOUR])),
      later: NOW + HOUR,
    });

    const result = await rescoreDue({ store, due: store, publisher, model: compiled }, {}, NOW);

    expect(result).toMatchObject({ due: 5, scored: 5, failed: 0 });
    for (const id of due) {
      expect(store.dueAt.get(id)).toBeGreaterThan(NOW);
    }
    expect(store.scores.get("later")?.version).toBe(1);
    expect(store.dueAt.get("later")).toBe(NOW + HOUR);
  });

  it("starts no new page after the deadline: the customers stay due", async () => {
    const store = storeWith({ a: NOW - HOUR, b: NOW - HOUR });

    const result = await rescoreDue(
      { store, due: store, publisher, model: compiled },
      { deadline: Date.now() - 1 },
      NOW,
    );

    expect(result).toMatchObject({ due: 0, scored: 0 });
    expect(store.dueAt.get("a")).toBe(NOW - HOUR);
  });

  it(
    "notices silence at the same hourly run as rescoring every customer every hour, reading far fewer",
    { timeout: 60_000 },
    async () => {
      // Two worlds from one first score: today's way (everyone rescored every hour) and the
      // due-only rescore, run every hour at 17 minutes past for 30 days after the last use of
      // a customer going silent, beside one whose score does not move (a subscription only).
      const ids = ["silent", "flat"];
      const aggregates = {
        silent: healthyAggregate("silent"),
        flat: aggregateOf("flat", [
          signal({ kind: "subscription", status: "active", mrr: 9_000, seats: 3 }, 40, {
            accountId: "flat",
          }),
        ]),
      };
      const everyHour = new MemoryScoreStore(50);
      const dueOnly = new MemoryScoreStore(50);
      const events: string[] = [];
      const recording = {
        publish: async (e: readonly HealthEvent[]) =>
          void events.push(...e.map((x) => x.detailType)),
      };
      for (const store of [everyHour, dueOnly]) {
        for (const id of ids) store.aggregates.set(id, aggregates[id as keyof typeof aggregates]);
        await scoreAccounts({ store, publisher, model: compiled }, ids, NOW);
      }
      const deps = { store: dueOnly, due: dueOnly, publisher, model: compiled };
      const totals = { due: 0, written: 0, kept: 0 };
      const shown = (store: MemoryScoreStore) =>
        ids.map((id) => `${id}:${store.scores.get(id)?.tier}`).join(" ");

      for (let run = NOW + 17 * 60_000; run < NOW + 30 * DAY; run += HOUR) {
        await scoreAccounts({ store: everyHour, publisher: recording, model: compiled }, ids, run);
        const result = await rescoreDue(deps, {}, run);
        totals.due += result.due;
        totals.written += result.written;
        totals.kept += result.kept;
        expect([new Date(run), shown(dueOnly)]).toEqual([new Date(run), shown(everyHour)]);
      }

      expect(events).toContain("HealthTierChanged");
      expect(dueOnly.scores.get("silent")?.tier).not.toBe("healthy");
      // One look a day per customer, plus one for each change an hourly rescore announced
      // (before: 30 days × 24 runs × 2 customers = 1,440 looks and writes).
      expect(totals.due).toBeLessThanOrEqual(ids.length * 30 + events.length);
      // The flat customer is kept, not rewritten, every day.
      expect(totals.kept).toBeGreaterThanOrEqual(29);
      expect(dueOnly.scores.get("flat")?.version).toBe(1);
    },
  );

  it("after a model change rescores every score of another model in the next run, then only due ones", async () => {
    const store = storeWith({ a: NOW + DAY, b: NOW + DAY, c: NOW - HOUR });
    store.swept = { modelVersion: "older-model", at: NOW - HOUR };
    const old = store.scores.get("b");
    if (old) store.scores.set("b", { ...old, modelVersion: "older-model" });
    const deps = { store, due: store, publisher, model: compiled };

    const sweep = await rescoreDue(deps, {}, NOW);
    const next = await rescoreDue(deps, {}, NOW + 60_000);

    // b had another model's score; c was due; a was neither.
    expect(sweep).toMatchObject({ swept: true, due: 2, scored: 2 });
    expect(store.scores.get("b")?.modelVersion).toBe(compiled.modelVersion);
    expect(store.scores.get("a")?.version).toBe(1);
    expect(store.swept).toMatchObject({ modelVersion: compiled.modelVersion, at: NOW });
    expect(next).toMatchObject({ swept: false, due: 0 });
  });

  it("takes a sweep cut short by the deadline up again in the next run", async () => {
    const store = storeWith({ a: NOW + DAY });
    store.swept = { modelVersion: "older-model", at: NOW - HOUR };
    const old = store.scores.get("a");
    if (old) store.scores.set("a", { ...old, modelVersion: "older-model" });
    const deps = { store, due: store, publisher, model: compiled };

    const cut = await rescoreDue(deps, { deadline: Date.now() - 1 }, NOW);
    const sweptAfterCut = store.swept;
    const next = await rescoreDue(deps, {}, NOW);

    expect(cut).toMatchObject({ swept: true, scored: 0 });
    expect(sweptAfterCut).toEqual({ modelVersion: "older-model", at: NOW - HOUR });
    expect(next).toMatchObject({ swept: true, scored: 1 });
    expect(store.swept).toMatchObject({ modelVersion: compiled.modelVersion, at: NOW });
  });

  it("sweeps at the first run of a day for the scores due at its start, then reads only the due index", async () => {
    const dayStart = nextDayStart(NOW);
    // "daily" waits for the day start (not indexed); "decaying" is due within today.
    const store = storeWith({ daily: dayStart, decaying: NOW + HOUR, later: dayStart + DAY });
    const deps = { store, due: store, publisher, model: compiled };

    const today = await rescoreDue(deps, {}, NOW + HOUR);
    expect(today).toMatchObject({ swept: false, due: 1 });
    expect(store.scores.get("decaying")?.computedAt).toBe(NOW + HOUR);

    const first = await rescoreDue(deps, {}, dayStart + HOUR / 2);
    const second = await rescoreDue(deps, {}, dayStart + HOUR + HOUR / 2);
    // The day's first run sweeps: "daily", and "decaying" (due again at the day start).
    expect(first).toMatchObject({ swept: true, due: 2, failed: 0 });
    expect(store.swept).toMatchObject({
      modelVersion: compiled.modelVersion,
      at: dayStart + HOUR / 2,
    });
    expect(second).toMatchObject({ swept: false, due: 0 });
    expect(store.scores.get("later")?.version).toBe(1);
  });

  it("says plainly, at the sweep of a model that weighs usage events differently, that a replay is needed", async () => {
    const store = storeWith({ a: NOW + DAY });
    store.swept = {
      modelVersion: compiled.modelVersion,
      at: NOW - HOUR,
      impacts: { impacts: { login: 1 }, defaultImpact: 1 },
    };
    const engagement = compiled.model.components.engagement;
    const reweighed = compileModel({
      ...compiled.model,
      version: "reweighed",
      components: {
        ...compiled.model.components,
        engagement: { ...engagement, impacts: { login: 2, error_shown: -2 }, defaultImpact: 1 },
      },
    });
    const deps = { store, due: store, publisher, model: reweighed };

    const sweep = await rescoreDue(deps, {}, NOW);
    const next = await rescoreDue(deps, {}, NOW + HOUR);

    expect(sweep.swept).toBe(true);
    expect(sweep.replayNotice).toContain("(error_shown 1 → -2, login 1 → 2)");
    expect(sweep.replayNotice).toContain("npm run replay -- --all");
    expect(next.replayNotice).toBeNull();
  });
});
