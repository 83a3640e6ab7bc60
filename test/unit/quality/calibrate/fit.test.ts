/**
 * From observations to the model's shape: known effective metric weights behind a
 * logistic churn relation come back as component and metric weights, the written model
 * validates and reads back (JSON with comments, or a module), impacts follow their sign.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMPONENTS, compileModel, type Model } from "../../../../functions/domain/model.ts";
import { loadModel, stripLineComments } from "../../../../lib/model-source.ts";
import {
  type CalibrationRow,
  type MetricKey,
  metricKeysOf,
} from "../../../../lib/quality/calibrate/features.ts";
import {
  fitImpacts,
  fitMetricWeights,
  fitTiers,
  roundShares,
  toModelWeights,
  WEIGHT_FLOOR,
} from "../../../../lib/quality/calibrate/fit.ts";
import { modelText } from "../../../../lib/quality/calibrate/write.ts";
import { Random } from "../../../../lib/quality/random.ts";
import { testModelInput } from "../../../support/test-model.ts";

// Its own test model: a weight changed in the default model must not break this test.
const model = compileModel(testModelInput()).model as Model;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Rows whose churn follows σ(a − Σ β_m · score_m/100) with the given health coefficients. */
function rowsWith(health: Partial<Record<MetricKey, number>>, n: number, seed: number) {
  const random = new Random(seed);
  const keys = metricKeysOf(model);
  return Array.from({ length: n }, (_, i): CalibrationRow => {
    const metrics = Object.fromEntries(keys.map((k) => [k, random.uniform(0, 100)])) as Record<
      MetricKey,
      number
    >;
    const z = 2 - keys.reduce((s, k) => s + (health[k] ?? 0) * ((metrics[k] as number) / 100), 0);
    return {
      accountId: `acct-${i}`,
      at: 0,
      churned: random.next() < sigmoid(z),
      segment: "",
      score: 50,
      metrics,
      components: {},
      usageRates: {},
    };
  });
}

describe("fitMetricWeights", () => {
  const truth: Partial<Record<MetricKey, number>> = {
    "engagement.recency": 4,
    "engagement.volume": 2,
    "financial.status": 3,
    "support.urgentTickets": 1,
  };
  const rows = rowsWith(truth, 6000, 21);
  const fit = fitMetricWeights(rows, model, { lambdas: [0.01, 0.1, 1, 10] });
  const weights = toModelWeights(fit.effective, model);

  it("recovers the known effective weights, as component × metric weights", () => {
    const total = 10 + WEIGHT_FLOOR * 10; // the four signals plus floors on the rest
    expect(weights.components.engagement).toBeCloseTo(6 / 10, 1);
    expect(weights.components.financial).toBeCloseTo(3 / 10, 1);
    expect(weights.metrics.engagement.recency).toBeCloseTo(4 / 6, 1);
    expect(weights.metrics.engagement.volume).toBeCloseTo(2 / 6, 1);
    expect(fit.effective["support.urgentTickets"]).toBeGreaterThan(0.05);
    expect(fit.effective["sentiment.nps"]).toBeLessThan(2 / total);
    expect(fit.lambda).toBeLessThanOrEqual(1);
  });

  it("keeps every weight sum the schema expects and no weight at 0 without a reason", () => {
    const componentSum = COMPONENTS.reduce((s, c) => s + weights.components[c], 0);
    expect(componentSum).toBeCloseTo(1, 10);
    for (const c of COMPONENTS) {
      const sum = Object.values(weights.metrics[c]).reduce((s, w) => s + w, 0);
      expect(sum).toBeCloseTo(1, 10);
    }
    for (const key of fit.keys) {
      if (fit.effective[key] === 0) expect(fit.why[key]).toMatch(/wrong way/);
      else expect(fit.effective[key]).toBeGreaterThanOrEqual(WEIGHT_FLOOR / 1.2);
    }
  });

  it("sets a metric whose higher score goes with more churn to 0, saying why", () => {
    const perverse = rowsWith({ "engagement.recency": 4, "adoption.breadth": -3 }, 4000, 5);
    const f = fitMetricWeights(perverse, model, { lambdas: [0.01, 0.1, 1] });
    expect(f.effective["adoption.breadth"]).toBe(0);
    expect(f.why["adoption.breadth"]).toMatch(/wrong way/);
  });
});

describe("the written model", () => {
  it("validates, reads back from JSON with comments and from a module, equal to the model", async () => {
    const dir = await mkdtemp(join(tmpdir(), "calibrate-"));
    const changed = structuredClone(model);
    changed.components.engagement.weight = 0.5;
    changed.version = "2026.11.1-calibrated.20260405";
    const comments = new Map([
      ["components.engagement.weight", "calibrated: 0.35 → 0.5; see https://example.com/x"],
      ["version", "calibrated"],
    ]);
    for (const name of ["model.json", "model.ts"]) {
      const path = join(dir, name);
      const text = modelText(changed, comments, ["header"], path);
      expect(text).toContain("// calibrated: 0.35 → 0.5");
      await writeFile(path, text);
      const loaded = await loadModel(path, dir);
      expect(loaded.model).toEqual(compileModel(changed).model);
    }
  });

  it("strips // comments but not a // inside a string", () => {
    const text =
      '{\n  // a comment\n  "url": "https://x.test/a//b", // trailing\n  "q": "say \\"//\\""\n}';
    expect(JSON.parse(stripLineComments(text))).toEqual({
      url: "https://x.test/a//b",
      q: 'say "//"',
    });
  });

  it("rounds shares to three decimals summing exactly to 1", () => {
    const shares = roundShares([1 / 3, 1 / 3, 1 / 3]);
    expect(shares.reduce((s, v) => s + v, 0)).toBe(1);
  });
});

describe("fitImpacts", () => {
  it("gives the most used good event 1 and a bad sign a negative impact", () => {
    const random = new Random(9);
    const rows = Array.from({ length: 3000 }, (_, i): CalibrationRow => {
      const login = random.uniform(0, 4);
      const report = random.uniform(0, 1);
      const errors = random.uniform(0, 2);
      const z = -1 - 0.5 * login - 2 * report + 1 * errors;
      return {
        accountId: `a${i}`,
        at: 0,
        churned: random.next() < sigmoid(z),
        segment: "",
        score: 50,
        metrics: {},
        components: {},
        usageRates: { login, report_exported: report, error_shown: errors },
      };
    });
    const fit = fitImpacts(rows, { lambdas: [0.01, 0.1, 1] });
    expect(fit.reference).toBe("login");
    expect(fit.impacts.login).toBe(1);
    expect(fit.impacts.report_exported).toBeGreaterThan(2.5);
    expect(fit.impacts.report_exported).toBeLessThan(6);
    expect(fit.impacts.error_shown).toBeLessThan(-1);
  });
});

describe("fitTiers", () => {
  it("puts healthy where churn falls to the base rate and at-risk where it is twice that", () => {
    const random = new Random(4);
    const rows = Array.from({ length: 5000 }, () => {
      const score = random.uniform(0, 100);
      return { score, churned: random.next() < sigmoid(1 - score / 20) };
    });
    const tiers = fitTiers(rows, 5);
    expect(tiers).not.toBeNull();
    expect((tiers as { atRisk: number }).atRisk).toBeLessThan(
      (tiers as { healthy: number }).healthy,
    );
    const rate = (lo: number, hi: number) => {
      const inside = rows.filter((r) => r.score >= lo && r.score < hi);
      return inside.filter((r) => r.churned).length / inside.length;
    };
    const t = tiers as { atRisk: number; healthy: number };
    expect(rate(0, t.atRisk)).toBeGreaterThan(rate(t.atRisk, t.healthy));
    expect(rate(t.atRisk, t.healthy)).toBeGreaterThan(rate(t.healthy, 101));
  });
});
