import { describe, expect, it } from "vitest";
import { defaultModel } from "../../../functions/domain/model.default.ts";
import {
  compileModel,
  evalCurve,
  IMPACTS_NOTE,
  InvalidModelError,
  impactChanges,
  type Model,
  replayNotice,
  segmentFor,
} from "../../../functions/domain/model.ts";
import { testCompiled, testModel, testModelInput } from "../../support/test-model.ts";

/** A deep copy of the default model that a test may change. */
const editable = () => structuredClone(defaultModel) as unknown as Model;

/** The same value with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

function compileError(input: unknown): InvalidModelError {
  try {
    compileModel(input);
  } catch (error) {
    if (error instanceof InvalidModelError) return error;
    throw error;
  }
  throw new Error("expected compileModel to throw");
}

describe("evalCurve", () => {
  const curve: [number, number][] = [
    [0, 0],
    [10, 100],
  ];

  it.each([
    [-5, 0],
    [0, 0],
    [2.5, 25],
    [5, 50],
    [10, 100],
    [25, 100],
  ])("maps %s to %s on a two-point curve, clamping outside its ends", (x, y) => {
    expect(evalCurve(curve, x)).toBe(y);
  });

  it.each([
    [0, 100],
    [3, 100],
    [5, 87.5],
    [14, 45],
    [17.5, 32.5],
    [30, 0],
    [400, 0],
  ])("interpolates the recency curve at %s days to %s", (x, y) => {
    const recency = testModel.components.engagement.metrics.recency.curve;

    expect(evalCurve(recency, x)).toBeCloseTo(y, 12);
  });
});

describe("compileModel", () => {
  it("validates the default model and stamps it version#hash", () => {
    const compiled = compileModel(defaultModel);

    expect(compiled.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(compiled.modelVersion).toBe(`${defaultModel.version}#${compiled.hash}`);
    expect([...compiled.bySegment.keys()]).toEqual([
      "",
      ...defaultModel.segments.map((segment) => segment.name),
    ]);
  });

  it("applies segment weight overrides and keeps the rest of the model", () => {
    const compiled = testCompiled;

    const selfServe = compiled.bySegment.get("self-serve");
    const enterprise = compiled.bySegment.get("enterprise");
    expect(selfServe?.components.engagement.weight).toBe(0.45);
    expect(selfServe?.components.adoption.weight).toBe(0.2);
    expect(selfServe?.components.financial.weight).toBe(0.2);
    expect(enterprise?.components.support.weight).toBe(0.2);
    expect(enterprise?.tiers).toEqual({ healthy: 70, atRisk: 40, margin: 5 });
    expect(compiled.model.components.engagement.weight).toBe(0.35);
  });

  it("gives the same hash whatever the order of the keys", () => {
    const hash = compileModel(defaultModel).hash;

    expect(compileModel(reverseKeys(defaultModel)).hash).toBe(hash);
  });

  it("changes the hash when a weight changes", () => {
    const changed = editable();
    changed.components.engagement.metrics.trend.weight = 0.21;

    expect(compileModel(changed).hash).not.toBe(compileModel(defaultModel).hash);
  });

  it("rejects a curve whose x values descend, naming its path", () => {
    const model = editable();
    model.components.engagement.metrics.volume.curve = [
      [0, 0],
      [3, 100],
      [1, 70],
    ];

    const error = compileError(model);
    expect(error.name).toBe("InvalidModelError");
    expect(error.message).toContain(
      "components.engagement.metrics.volume.curve: curve x values must ascend",
    );
  });

  it("rejects tiers whose at-risk threshold is not below healthy", () => {
    const model = editable();
    model.tiers = { healthy: 60, atRisk: 60, margin: 5 };

    expect(compileError(model).message).toContain("tiers.atRisk must be below tiers.healthy");
  });

  it("rejects a segment whose tier override puts at-risk above healthy", () => {
    const model = editable();
    model.segments = [{ name: "tiny", when: { maxSeats: 1 }, tiers: { healthy: 30 } }];

    expect(compileError(model).message).toContain("segments.0.tiers");
  });

  it("rejects a segment whose weights sum to 0", () => {
    const model = editable();
    model.segments = [
      {
        name: "nothing",
        when: {},
        weights: { engagement: 0, adoption: 0, sentiment: 0, support: 0, financial: 0 },
      },
    ];

    expect(compileError(model).message).toContain("segments.0.weights");
  });

  it("rejects a model whose component weights sum to 0", () => {
    const model = editable();
    for (const component of Object.values(model.components)) component.weight = 0;

    expect(compileError(model).message).toContain("component weights sum to 0");
  });

  it.each([
    {
      what: "a negative weight",
      path: "components.sentiment.weight",
      change: (m: Model) => {
        m.components.sentiment.weight = -1;
      },
    },
    {
      what: "a curve value above 100",
      path: "components.support.metrics.volume.curve.1.1",
      change: (m: Model) => {
        m.components.support.metrics.volume.curve = [
          [0, 100],
          [1, 120],
        ];
      },
    },
    {
      what: "a one-point curve",
      path: "components.adoption.metrics.breadth.curve",
      change: (m: Model) => {
        m.components.adoption.metrics.breadth.curve = [[0, 0]];
      },
    },
    {
      what: "a zero half-life",
      path: "decay.usageShortDays",
      change: (m: Model) => {
        m.decay.usageShortDays = 0;
      },
    },
    {
      what: "a version with spaces",
      path: "version",
      change: (m: Model) => {
        m.version = "version one";
      },
    },
    {
      what: "a minimum coverage above 1",
      path: "minCoverage",
      change: (m: Model) => {
        m.minCoverage = 1.5;
      },
    },
  ])("rejects $what, naming $path", ({ change, path }) => {
    const model = editable();
    change(model);

    const error = compileError(model);
    expect(error).toBeInstanceOf(InvalidModelError);
    expect(error.message).toMatch(new RegExp(`(^|[ ;])${path.replaceAll(".", "\\.")}: `));
  });
});

describe("segmentFor", () => {
  const model = testModel;

  it.each([
    [{ mrr: 600_000 }, "enterprise"],
    [{ mrr: 500_000 }, "enterprise"],
    [{ mrr: 499_999 }, ""],
    [{ seats: 3 }, "self-serve"],
    [{ seats: 5 }, "self-serve"],
    [{ seats: 6 }, ""],
    [{ mrr: 600_000, seats: 3 }, "enterprise"],
    [{ mrr: 10_000, seats: 2 }, "self-serve"],
    [{}, ""],
    [{ plan: null, seats: null, mrr: null }, ""],
  ])("puts %j in segment %j", (customer, segment) => {
    expect(segmentFor(model, customer)).toBe(segment);
  });

  it("requires every condition of a segment, plans included", () => {
    const custom = editable();
    custom.segments = [{ name: "big-pro", when: { plans: ["pro"], minSeats: 10 } }];

    expect(segmentFor(custom, { plan: "pro", seats: 12 })).toBe("big-pro");
    expect(segmentFor(custom, { plan: "pro", seats: 5 })).toBe("");
    expect(segmentFor(custom, { plan: "starter", seats: 12 })).toBe("");
    expect(segmentFor(custom, { seats: 12 })).toBe("");
  });
});

describe("compileModel strictness", () => {
  it("rejects a misspelt subscription status in statusScores, naming it", () => {
    const model = editable();
    (model.components.financial.statusScores as Record<string, number>).past_do = 25;

    expect(compileError(model).message).toContain(
      'components.financial.statusScores: unknown key "past_do"',
    );
  });

  it("rejects statusScores that leave a subscription status out, naming it", () => {
    const model = editable();
    delete (model.components.financial.statusScores as Record<string, number>).past_due;

    expect(compileError(model).message).toContain(
      "components.financial.statusScores.past_due: missing",
    );
  });

  it("rejects a misspelt key instead of ignoring it", () => {
    const input = structuredClone(defaultModel) as Record<string, unknown> & {
      segments: { when: Record<string, unknown> }[];
    };
    input.segments[0] = { ...input.segments[0], when: { minMRR: 500_000 } } as never;

    expect(() => compileModel(input)).toThrow(/segments\.0\.when/);
  });
});

describe("compileModel: red flags, impacts and policy", () => {
  it("rejects a red flag without any condition, naming it", () => {
    const model = editable();
    (model.redFlags as Record<string, unknown>).empty = { tier: "critical", when: {} };

    expect(compileError(model).message).toContain(
      "redFlags.empty.when: give at least one condition",
    );
  });

  it("rejects a misspelt red flag condition and a tier that is not a flag tier", () => {
    const model = editable();
    (model.redFlags as Record<string, unknown>).bad = {
      tier: "healthy",
      when: { cancelSheduled: true },
    };

    const message = compileError(model).message;
    expect(message).toContain('redFlags.bad.when: unknown key "cancelSheduled"');
    expect(message).toContain("redFlags.bad.tier");
  });

  it("says that usage impacts apply to new events only", () => {
    const withImpacts = compileModel({
      ...testModelInput(),
      components: {
        ...testModelInput().components,
        engagement: { ...testModelInput().components.engagement, impacts: { error_shown: -5 } },
      },
    });
    const without = compileModel({
      ...testModelInput(),
      components: {
        ...testModelInput().components,
        engagement: { ...testModelInput().components.engagement, impacts: {}, defaultImpact: 1 },
      },
    });

    expect(withImpacts.model.components.engagement.impacts).toMatchObject({ error_shown: -5 });
    expect(withImpacts.notes).toEqual([IMPACTS_NOTE]);
    expect(IMPACTS_NOTE).toContain("a changed impact applies to new events only");
    expect(without.notes).toEqual([]);
  });

  it("names each usage event a new model weighs differently from the stored one's, and nothing else", () => {
    const stored = { impacts: { login: 1, report_exported: 5 }, defaultImpact: 1 };

    expect(impactChanges(stored, stored)).toEqual([]);
    // A name given its old default weight changes nothing.
    expect(
      impactChanges(stored, { ...stored, impacts: { ...stored.impacts, seat_added: 1 } }),
    ).toEqual([]);
    expect(
      impactChanges(stored, { impacts: { login: 2, error_shown: -2 }, defaultImpact: 0.5 }),
    ).toEqual([
      "error_shown 1 → -2",
      "login 1 → 2",
      "report_exported 5 → 0.5",
      "events not named 1 → 0.5",
    ]);
    expect(replayNotice(["login 1 → 2"])).toMatch(/\(login 1 → 2\).*npm run replay -- --all/);
  });

  it("holds the policy that was code: urgent priorities, dispute weight, driver threshold", () => {
    // The default model's own values belong to its owner: this checks that it states the
    // policy and the default flags, not which numbers it picks.
    const { model } = compileModel(defaultModel);
    expect(model.components.support.urgentPriorities.length).toBeGreaterThan(0);
    expect(model.components.financial.disputeWeight).toBeGreaterThan(0);
    expect(model.drivers.minImpact).toBeGreaterThanOrEqual(0);
    expect(Object.keys(model.redFlags)).toEqual(
      expect.arrayContaining([
        "canceled",
        "cancelScheduled",
        "pastDue",
        "failedPayments",
        "dispute",
      ]),
    );
  });
});
