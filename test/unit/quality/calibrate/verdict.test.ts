import { describe, expect, it } from "vitest";
import { verdictOf } from "../../../../lib/quality/calibrate/run.ts";

// 200 held-out observations, 20 churned; "before" ranks them at random.
const churned = Array.from({ length: 200 }, (_, i) => i % 10 === 0);
const random = churned.map((_, i) => (i * 37) % 101);
const perfect = churned.map((c, i) => (c ? 200 + (i % 7) : i % 50));

describe("calibrate's verdict on the held-out date", () => {
  it("says better or worse when the paired difference is beyond twice its standard error", () => {
    expect(verdictOf({ before: random, after: perfect, churned })).toMatch(
      /^better \(AUC 0\.\d{3} → 1\.000; a difference within ±0\.\d{3} could be chance on 20 churned of 200 held-out observations both models scored\): review it/,
    );
    expect(verdictOf({ before: perfect, after: random, churned })).toMatch(
      /^worse \(AUC 1\.000 → .*keep the current model$/,
    );
  });

  it("says too close to tell for a difference inside the noise", () => {
    const nudged = random.map((r, i) => (i === 0 ? r + 40 : r));
    expect(verdictOf({ before: random, after: nudged, churned })).toMatch(/^too close to tell/);
  });

  it("says so when the held-out date has no AUC", () => {
    expect(verdictOf({ before: [1, 2], after: [2, 1], churned: [false, false] })).toMatch(
      /^no AUC on the held-out date/,
    );
  });
});
