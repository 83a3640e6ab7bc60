import { describe, expect, it } from "vitest";
import { verdictOf } from "../../../../lib/quality/calibrate/run.ts";

describe("calibrate's verdict on the held-out date", () => {
  it("says better or worse only beyond twice the AUC's standard error", () => {
    // 38 churned of 278: twice the standard error of an AUC of 0.75 is about 0.09.
    expect(verdictOf(0.752, 0.738, 38, 240)).toMatch(
      /^too close to tell \(AUC 0\.752 → 0\.738; ±0\.0\d\d is chance on 38 churned of 278/,
    );
    expect(verdictOf(0.7, 0.82, 38, 240)).toMatch(
      /^better \(AUC 0\.700 → 0\.820;.*npm run preview$/,
    );
    expect(verdictOf(0.82, 0.7, 38, 240)).toMatch(/^worse \(.*keep the current model$/);
  });

  it("tells apart smaller differences on more observations", () => {
    expect(verdictOf(0.75, 0.78, 2000, 20000)).toMatch(/^better/);
  });

  it("says so when the held-out date has no AUC", () => {
    expect(verdictOf(Number.NaN, 0.7, 0, 100)).toMatch(/^no AUC on the held-out date/);
  });
});
