import { describe, expect, it } from "vitest";
import {
  deliverToTarget,
  EVENTBRIDGE_BACKOFF,
  LOCAL_TIME_SCALE,
  retryDelayMs,
  type TargetDeliveryOptions,
} from "../../../lib/local/target-delivery.ts";
import { ALERT_DELIVERY } from "../../../lib/topology.ts";

/** A clock that only moves when the delivery sleeps; records every wait. */
function fakeClock() {
  let now = 1_000_000;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
  };
}

function options(overrides: Partial<TargetDeliveryOptions> = {}): TargetDeliveryOptions {
  const clock = fakeClock();
  return {
    policy: ALERT_DELIVERY,
    timeScale: 1,
    retryable: () => true,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 1,
    ...overrides,
  };
}

const failing = (error: unknown = new Error("no")) => {
  let calls = 0;
  const send = async () => {
    calls += 1;
    throw error;
  };
  return { send, calls: () => calls };
};

describe("retryDelayMs", () => {
  it("doubles from the first delay up to the ceiling, jittered to 50-100 %", () => {
    const full = [1, 2, 3, 7].map((n) => retryDelayMs(n, 1, () => 1));
    expect(full).toEqual([60_000, 120_000, 240_000, EVENTBRIDGE_BACKOFF.maxDelaySeconds * 1000]);
    expect(retryDelayMs(1, 1, () => 0)).toBe(30_000);
  });

  it("keeps the shape at the local time scale", () => {
    expect(retryDelayMs(2, LOCAL_TIME_SCALE, () => 1)).toBe(Math.round(120_000 / 360));
  });
});

describe("deliverToTarget", () => {
  it("delivers on the first attempt without waiting", async () => {
    const clock = fakeClock();
    const outcome = await deliverToTarget(async () => {}, options(clock));
    expect(outcome).toEqual({ delivered: true, attempts: 1 });
    expect(clock.waits).toEqual([]);
  });

  it("retries a retryable failure ALERT_DELIVERY.retryAttempts times, then gives up", async () => {
    // Arrange: a long event age, so only the attempts bound applies.
    const clock = fakeClock();
    const target = failing();
    const policy = { ...ALERT_DELIVERY, maxEventAgeSeconds: 10 * 24 * 3600 };
    // Act
    const outcome = await deliverToTarget(target.send, options({ ...clock, policy }));
    // Assert
    expect(target.calls()).toBe(ALERT_DELIVERY.retryAttempts + 1);
    expect(outcome).toMatchObject({ delivered: false, reason: "RetryAttemptsExhausted" });
    expect(clock.waits).toHaveLength(ALERT_DELIVERY.retryAttempts);
    expect(clock.waits[1]).toBe(2 * (clock.waits[0] as number));
  });

  it("stops retrying once the next retry would be past maxEventAgeSeconds", async () => {
    const clock = fakeClock();
    const target = failing();
    const policy = { retryAttempts: 100, maxEventAgeSeconds: 10 * 60 };

    const outcome = await deliverToTarget(target.send, options({ ...clock, policy }));

    // 1 + 2 + 4 minutes of waiting fit in 10 minutes; 8 more would not.
    expect(clock.waits).toEqual([60_000, 120_000, 240_000]);
    expect(outcome).toMatchObject({ delivered: false, reason: "MaximumEventAgeExceeded" });
  });

  it("succeeds on a later attempt after the server said no", async () => {
    let calls = 0;
    const outcome = await deliverToTarget(async () => {
      calls += 1;
      if (calls < 3) throw new Error("try later");
    }, options());
    expect(outcome).toEqual({ delivered: true, attempts: 3 });
  });

  it("never repeats a hand-off the target calls not retryable (an unknown outcome)", async () => {
    const clock = fakeClock();
    const target = failing(new Error("timed out"));

    const outcome = await deliverToTarget(
      target.send,
      options({ ...clock, retryable: () => false }),
    );

    expect(target.calls()).toBe(1);
    expect(clock.waits).toEqual([]);
    expect(outcome).toMatchObject({ delivered: false, reason: "NotRetryable", attempts: 1 });
  });

  it("scales the whole schedule, so 6 hours of AWS retries take a minute locally", async () => {
    const clock = fakeClock();
    const target = failing();

    await deliverToTarget(target.send, options({ ...clock, timeScale: LOCAL_TIME_SCALE }));

    const waited = clock.waits.reduce((a, b) => a + b, 0);
    expect(target.calls()).toBe(ALERT_DELIVERY.retryAttempts + 1);
    expect(waited).toBeLessThanOrEqual(ALERT_DELIVERY.maxEventAgeSeconds * 1000 * LOCAL_TIME_SCALE);
    expect(waited).toBeGreaterThan(10_000);
  });
});
