/** The page's pure parts: routes, reconnect backoff, live message parsing, live score applied. */
import { describe, expect, it } from "vitest";
import { modelChanges } from "./components/ScoreChart.tsx";
import { money, renewalText, signed } from "./format.ts";
import { DEFAULT_BACKOFF, parseLiveMessage, reconnectDelay } from "./live.ts";
import { customerHref, matchRoute } from "./router.ts";
import type { CustomerPage } from "./types.ts";
import { applyScore } from "./views/Customer.tsx";

describe("matchRoute", () => {
  it("knows the four pages and decodes customer ids", () => {
    expect(matchRoute("/")).toEqual({ name: "portfolio" });
    expect(matchRoute("/customers")).toEqual({ name: "customers" });
    expect(matchRoute("/customers/")).toEqual({ name: "customers" });
    expect(matchRoute("/alerts")).toEqual({ name: "alerts" });
    expect(matchRoute("/customers/m%C3%BCnchen-42")).toEqual({
      name: "customer",
      accountId: "münchen-42",
    });
    expect(matchRoute(customerHref("a:b@c"))).toEqual({ name: "customer", accountId: "a:b@c" });
  });

  it("answers not-found for other paths and broken encodings", () => {
    expect(matchRoute("/customers/a/b")).toEqual({ name: "not-found" });
    expect(matchRoute("/customers/%E0%A4%A")).toEqual({ name: "not-found" });
    expect(matchRoute("/dashboard/portfolio")).toEqual({ name: "not-found" });
  });
});

describe("reconnectDelay", () => {
  it("doubles from the initial wait up to the cap, jittered within the upper half", () => {
    const low = (attempt: number) => reconnectDelay(attempt, DEFAULT_BACKOFF, () => 0);
    const high = (attempt: number) => reconnectDelay(attempt, DEFAULT_BACKOFF, () => 0.999999);
    expect([0, 1, 2, 3].map(low)).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map(high)).toEqual([500, 1000, 2000, 4000]);
    expect(high(10)).toBe(30_000);
    expect(high(1000)).toBe(30_000);
  });
});

describe("parseLiveMessage", () => {
  it("reads hello and score messages and ignores anything else", () => {
    expect(parseLiveMessage('{"type":"hello","at":"2026-11-29T10:00:00Z"}')).toEqual({
      type: "hello",
      at: "2026-11-29T10:00:00Z",
    });
    expect(parseLiveMessage('{"type":"score","accountId":"acme","score":40}')).toMatchObject({
      accountId: "acme",
    });
    expect(parseLiveMessage("not json")).toBeUndefined();
    expect(parseLiveMessage('{"type":"score"}')).toBeUndefined();
    expect(parseLiveMessage(new ArrayBuffer(2))).toBeUndefined();
  });
});

describe("applyScore", () => {
  const page = {
    accountId: "acme",
    displayName: "Acme",
    tier: "healthy",
    score: 80,
    modelVersion: "3#b",
    updatedAt: "2026-11-28T10:00:00Z",
    history: [
      { day: "2026-11-27", score: 82, tier: "healthy", modelVersion: "3#b" },
      { day: "2026-11-28", score: 80, tier: "healthy", modelVersion: "3#b" },
    ],
  } as unknown as CustomerPage;
  const message = {
    type: "score" as const,
    accountId: "acme",
    displayName: "Acme",
    score: 55,
    tier: "at-risk" as const,
    previousTier: "healthy" as const,
    computedAt: "2026-11-28T18:00:00Z",
  };

  it("replaces today's point and the headline score and tier", () => {
    const next = applyScore(page, message);
    expect(next.score).toBe(55);
    expect(next.tier).toBe("at-risk");
    expect(next.history).toHaveLength(2);
    expect(next.history[1]).toEqual({
      day: "2026-11-28",
      score: 55,
      tier: "at-risk",
      modelVersion: "3#b",
    });
  });

  it("appends a point on a new day", () => {
    const next = applyScore(page, { ...message, computedAt: "2026-11-29T01:00:00Z" });
    expect(next.history.map((h) => h.day)).toEqual(["2026-11-27", "2026-11-28", "2026-11-29"]);
  });
});

describe("modelChanges", () => {
  it("marks the days whose model version differs from the day before", () => {
    const points = ["1#a", "1#a", "2#b", "2#b", "3#c"].map((modelVersion, i) => ({
      day: `2026-11-0${i + 1}`,
      score: 50,
      modelVersion,
    }));
    expect(modelChanges(points)).toEqual([2, 4]);
    expect(modelChanges(points.map(({ day, score }) => ({ day, score })))).toEqual([]);
  });
});

describe("format", () => {
  it("writes money, signed changes and renewals in words", () => {
    expect(money(1_234_500, "USD")).toBe("$12,345");
    expect(money(1_234_500, null)).toBe("$12,345");
    expect(signed(-12.4)).toBe("−12");
    expect(signed(3)).toBe("+3");
    expect(signed(null)).toBe("–");
    const now = Date.parse("2026-11-29T12:00:00Z");
    expect(renewalText("2026-12-09T12:00:00Z", now)).toBe("renews in 10 days");
    expect(renewalText("2026-11-28T12:00:00Z", now)).toBe("renewal 1 day ago");
    expect(renewalText(null, now)).toBe("no renewal date");
  });
});

describe("pkcePair", () => {
  it("makes a 43-character verifier and its S256 challenge (RFC 7636)", async () => {
    const { pkcePair } = await import("./auth.ts");
    const { verifier, challenge } = await pkcePair();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    expect(challenge).toBe(Buffer.from(digest).toString("base64url"));
    expect((await pkcePair()).verifier).not.toBe(verifier);
  });
});
