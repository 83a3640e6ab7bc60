/**
 * The dashboard in Chromium against the real local stack (real-stack.ts: `startLocalStack`
 * with its own DynamoDB Local, fed with signed webhooks): the portfolio, the customer in
 * trouble, its page and chart, live updates without a reload (webhook → stream → score →
 * dashboard stream → WebSocket → page), reconnect and catch-up, keyboard use, no console
 * errors. Two things only the test double (double-server.ts) can show, tested on it at the
 * end: sign-in through Cognito's hosted UI (AWS only; locally the routes are open) and a
 * 90-day history with a model change (the real stack scores "now", so its history starts
 * today). Screenshots for the README are written to docs/screenshots/ when missing or when
 * UPDATE_SCREENSHOTS=1.
 */
import { existsSync } from "node:fs";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scoreText, signed } from "../../dashboard/src/format.ts";
import { chromiumPath, launchChromium } from "./support/chromium.ts";
import { demoDashboardData } from "./support/dashboard-fixtures.ts";
import { type DoubleServer, startDoubleServer } from "./support/double-server.ts";
import { FAKE_ID_TOKEN } from "./support/fake-cognito.ts";
import { type RealDashboard, startRealDashboard } from "./support/real-stack.ts";

const executable = chromiumPath();
const SCREENSHOTS = new URL("../../docs/screenshots/", import.meta.url).pathname;

async function screenshot(page: Page, name: string) {
  const path = `${SCREENSHOTS}${name}.png`;
  if (process.env.UPDATE_SCREENSHOTS === "1" || !existsSync(path))
    await page.screenshot({ path, fullPage: true });
}

/** The lowest text contrast (WCAG) among elements matching `selector`, with its text. */
const CONTRAST = (selector: string) => `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  let worst = { ratio: 99, text: "" };
  for (const el of document.querySelectorAll(${JSON.stringify(selector)})) {
    const a = lum(rgb(getComputedStyle(el).color).slice(0, 3));
    const b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < worst.ratio) worst = { ratio, text: el.textContent.trim().slice(0, 40) };
  }
  return worst;
})()`;

/** The bits of a canvas element read here (the tests compile without the DOM's types). */
interface CanvasLike {
  readonly width: number;
  readonly height: number;
  getContext(kind: "2d"): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  } | null;
}

/** How many pixels of `canvas` are the score series' colour (#1f4e9c). */
const seriesPixels = (canvas: Locator) =>
  canvas.evaluate((element) => {
    const c = element as unknown as CanvasLike;
    const data = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? [];
    let n = 0;
    for (let i = 0; i < data.length; i += 4)
      if (
        Math.abs((data[i] ?? 0) - 0x1f) < 8 &&
        Math.abs((data[i + 1] ?? 0) - 0x4e) < 8 &&
        Math.abs((data[i + 2] ?? 0) - 0x9c) < 8
      )
        n++;
    return n;
  });

/** Marks the document; the mark is gone after a reload. */
const markDocument = (page: Page) => page.evaluate("window.__sameDocument = true");
const sameDocument = (page: Page) => page.evaluate("window.__sameDocument === true");

describe.skipIf(!executable)("dashboard in the browser, on the local stack", () => {
  let browser: Browser;
  let backend: RealDashboard;
  let page: Page;
  const problems: string[] = [];

  const liveStatus = () => page.getByTestId("live-status").textContent();
  const shownScore = () => page.getByTestId("score").textContent();

  beforeAll(async () => {
    backend = await startRealDashboard();
    browser = await launchChromium(executable as string);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await backend?.stop();
  }, 60_000);

  it("loads the portfolio and shows the customer in trouble under Needs attention, with its reason", async () => {
    await page.goto(`${backend.baseUrl}/`);
    const attention = page.getByRole("region", { name: "Needs attention" });
    const item = attention.getByRole("listitem").filter({ hasText: backend.troubled.displayName });
    await expect.poll(() => item.count()).toBe(1);
    await expect.poll(() => item.textContent()).toMatch(/set to cancel at period end/);
    expect(await item.locator("[data-tier]").getAttribute("data-tier")).toBe("critical");
    // Tier shown by shape and words, not colour alone.
    expect(await item.locator("[data-tier]").textContent()).toBe("Critical");
    expect(await item.locator("[data-tier] svg rect").count()).toBe(1);
    expect(await page.getByTestId("tier-card-critical").textContent()).toMatch(
      /Critical\s*1\s*customers/,
    );
    expect(await page.getByTestId("tier-card-healthy").textContent()).toMatch(
      /Healthy\s*5\s*customers/,
    );
    // Vandelay's 12 Growth seats.
    expect(await page.getByTestId("mrr-at-risk").textContent()).toBe("$588");
    const contrast = (await page.evaluate(
      CONTRAST(".tier, .muted, a, p, dd, .worse, .better"),
    )) as {
      ratio: number;
      text: string;
    };
    expect(contrast.ratio, contrast.text).toBeGreaterThanOrEqual(4.5);
    await screenshot(page, "portfolio");
  });

  it("opens the customer's page from its link, with its score, red flag, history chart and events", async () => {
    const expected = await backend.customerPage(backend.troubled.accountId);
    await markDocument(page);
    await page.getByRole("link", { name: backend.troubled.displayName }).first().click();
    await page.waitForURL(`**/customers/${backend.troubled.accountId}`);
    await page.getByRole("heading", { level: 1, name: backend.troubled.displayName }).waitFor();
    expect(await sameDocument(page)).toBe(true);
    expect(await shownScore()).toBe(scoreText(expected.score));
    expect(await page.getByTestId("headline").locator("[data-tier]").textContent()).toBe(
      "Critical",
    );
    expect(await page.getByRole("region", { name: "Red flags" }).textContent()).toMatch(
      /subscription set to cancel at period end on \w{3} \d+/,
    );
    // Billing comes from its subscription: 12 Growth seats, renewing in 12 days.
    expect(await page.locator(".customer-head").textContent()).toMatch(
      /\$588 MRR · renews in 1[12] days/,
    );
    const chart = page.getByRole("region", { name: "Score history" });
    const canvas = chart.locator("canvas");
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(box?.height).toBeGreaterThan(100);
    // Its history (rebuilt from the events, as the demo does) is drawn in the series' colour,
    // a point a day since its first event, and ends on today's score.
    expect(await seriesPixels(canvas)).toBeGreaterThan(10);
    expect(expected.history.length).toBeGreaterThanOrEqual(30);
    expect(await chart.locator("figcaption").textContent()).toMatch(
      new RegExp(
        `daily score: [\\d.]+ on \\w{3} \\d+, ${scoreText(expected.score)} on \\w{3} \\d+`,
      ),
    );
    const worst = expected.holdingDown[0];
    expect(worst).toBeDefined();
    const holdingDown = await page
      .getByRole("region", { name: "What holds it down" })
      .textContent();
    expect(holdingDown).toContain(signed(worst?.impact ?? null));
    expect(holdingDown).toContain(worst?.reason);
    expect(await page.getByRole("region", { name: "Recent events" }).textContent()).toMatch(
      /subscription active, set to cancel at period end/,
    );
    const contrast = (await page.evaluate(
      CONTRAST(".tier, .muted, .impact, li, td, figcaption"),
    )) as {
      ratio: number;
      text: string;
    };
    expect(contrast.ratio, contrast.text).toBeGreaterThanOrEqual(4.5);
    await screenshot(page, "customer");
  });

  it("serves the customer page at its own URL (an alert's link) while the API keeps its JSON", async () => {
    const url = `${backend.baseUrl}/customers/${backend.troubled.accountId}`;
    const asPage = await fetch(url, {
      headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
    });
    expect(asPage.headers.get("content-type")).toMatch(/text\/html/);
    const asApi = await fetch(url, { headers: { accept: "*/*" } });
    expect(asApi.headers.get("content-type")).toMatch(/application\/json/);
    await page.goto(url);
    await page.getByRole("heading", { level: 1, name: backend.troubled.displayName }).waitFor();
  });

  it("shows a live score on the customer page within 2 s of the webhook, without a reload", async () => {
    const [customer] = backend.healthy;
    if (!customer) throw new Error("no healthy customer");
    await page.goto(`${backend.baseUrl}/customers/${customer.accountId}`);
    await page.getByRole("heading", { level: 1, name: customer.displayName }).waitFor();
    await expect.poll(liveStatus, { timeout: 10_000 }).toMatch(/Live/);
    const before = await shownScore();
    expect(await page.getByTestId("headline").locator("[data-tier]").textContent()).toBe("Healthy");
    await markDocument(page);
    const sent = Date.now();
    // Billing stopped working: the past-due red flag holds it at risk at best.
    await backend.sendGeneric("subscription", customer.accountId, {
      status: "past_due",
      currency: "usd",
    });
    await expect.poll(shownScore, { timeout: 2000, interval: 50 }).not.toBe(before);
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(await sameDocument(page)).toBe(true);
    await backend.stack.settle();
    const expected = await backend.customerPage(customer.accountId);
    expect(expected.tier).toBe("at-risk");
    expect(await shownScore()).toBe(scoreText(expected.score));
    expect(await page.getByTestId("headline").locator("[data-tier]").textContent()).toBe("At risk");
    // The chart's data follows: today's point is the new score.
    const rows = page.getByRole("region", { name: "Score history" }).locator("tbody tr");
    expect(await rows.last().locator("td").nth(1).textContent()).toBe(scoreText(expected.score));
  });

  it("updates the portfolio's counts when a customer changes tier, without a reload", async () => {
    const customer = backend.healthy[1];
    if (!customer) throw new Error("no second healthy customer");
    await page.getByRole("link", { name: "Portfolio" }).click();
    const atRisk = page.getByTestId("tier-card-at-risk");
    await expect.poll(() => atRisk.textContent()).toMatch(/At risk\s*1\s*customers/);
    await markDocument(page);
    await backend.sendGeneric("subscription", customer.accountId, {
      status: "past_due",
      currency: "usd",
    });
    await expect
      .poll(() => atRisk.textContent(), { timeout: 4000 })
      .toMatch(/At risk\s*2\s*customers/);
    expect(await page.getByTestId("tier-card-healthy").textContent()).toMatch(
      /Healthy\s*3\s*customers/,
    );
    expect(await sameDocument(page)).toBe(true);
  });

  it("reconnects after the live connection drops and catches up on what it missed", async () => {
    const [customer] = backend.healthy;
    if (!customer) throw new Error("no healthy customer");
    await page.goto(`${backend.baseUrl}/customers/${customer.accountId}`);
    await expect.poll(liveStatus, { timeout: 10_000 }).toMatch(/Live/);
    await markDocument(page);
    const before = await shownScore();
    backend.proxy.dropLive();
    await expect.poll(liveStatus).toMatch(/Reconnecting/);
    // Scored while the page is away: its live message reaches nobody.
    await backend.sendGeneric("subscription", customer.accountId, {
      status: "canceled",
      mrr: 0,
      currency: "usd",
    });
    await backend.stack.settle();
    const expected = await backend.customerPage(customer.accountId);
    expect(expected.tier).toBe("critical");
    expect(scoreText(expected.score)).not.toBe(before);
    expect(await shownScore()).toBe(before);
    expect(await liveStatus()).toMatch(/Reconnecting/);
    backend.proxy.restoreLive();
    await expect.poll(liveStatus, { timeout: 10_000 }).toMatch(/Live/);
    await expect.poll(shownScore, { timeout: 5000 }).toBe(scoreText(expected.score));
    expect(await page.getByTestId("headline").locator("[data-tier]").textContent()).toBe(
      "Critical",
    );
    expect(await sameDocument(page)).toBe(true);
  });

  it("works from the keyboard: skip link first, then real links that open pages", async () => {
    await page.goto(`${backend.baseUrl}/`);
    await page.getByRole("region", { name: "Needs attention" }).waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement.textContent")).toBe("Skip to content");
    const link = page.getByRole("region", { name: "Needs attention" }).getByRole("link").first();
    await link.focus();
    const name = await link.textContent();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: name ?? "" }).waitFor();
    // Focus moves to the new page's heading, and focus is visible (an outline is drawn).
    await expect.poll(() => page.evaluate("document.activeElement.tagName")).toBe("H1");
    await page.keyboard.press("Shift+Tab");
    const outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle");
    expect(outline).toBe("solid");
  });

  it("lists customers with search, filters and sparklines, and the alert feed", async () => {
    await page.goto(`${backend.baseUrl}/customers?tier=critical`);
    const rows = page.locator("table.customers tbody tr");
    await rows.first().waitFor();
    const tiers = await rows
      .locator("[data-tier]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-tier")));
    expect(tiers.length).toBeGreaterThan(0);
    expect(new Set(tiers)).toEqual(new Set(["critical"]));
    expect(await rows.first().locator("svg.sparkline path").count()).toBeGreaterThan(0);
    // Vandelay (cancel scheduled) and the customer canceled above.
    expect(await rows.count()).toBe(2);
    await page.getByLabel("Search", { exact: true }).fill("vandelay");
    await expect.poll(() => rows.count()).toBe(1);
    expect(page.url()).toMatch(/q=vandelay/);
    expect(await rows.first().textContent()).toContain(backend.troubled.displayName);
    await page.getByRole("link", { name: "Alerts" }).click();
    await page.getByRole("heading", { level: 1, name: "Alerts" }).waitFor();
    expect(await page.locator("ol.alerts li").first().textContent()).toMatch(/→/);
  });

  it("logged no console errors", () => {
    expect(problems).toEqual([]);
  });
});

// On the test double: Cognito's hosted UI and the routes' JWT authorizer exist only in AWS
// (the local stack's routes are open), and a 90-day history takes 90 days on the real stack.
describe.skipIf(!executable)("dashboard on the test double: sign-in and a long history", () => {
  let browser: Browser;
  let server: DoubleServer;

  beforeAll(async () => {
    server = await startDoubleServer(demoDashboardData(), { signIn: true });
    browser = await launchChromium(executable as string);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("signs in through the hosted UI, returns to the page asked for, and sends the token", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${server.baseUrl}/customers/vandelay-imports`);
    await page.getByRole("heading", { level: 1, name: "Vandelay Imports" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/customers/vandelay-imports");
    expect(new URL(page.url()).search).toBe("");
    expect(server.seen.authorization.length).toBeGreaterThan(0);
    expect(new Set(server.seen.authorization)).toEqual(new Set([`Bearer ${FAKE_ID_TOKEN}`]));
    await expect.poll(() => server.seen.liveTokens).toContain(FAKE_ID_TOKEN);
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it("marks the model change on a 90-day history chart", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.baseUrl}/customers/vandelay-imports`);
    await page.getByRole("heading", { level: 1, name: "Vandelay Imports" }).waitFor();
    const chart = page.getByRole("region", { name: "Score history" });
    await chart.locator("canvas").waitFor();
    expect(await chart.locator("figcaption").textContent()).toMatch(/model 3 from \w{3} \d+/);
    expect(await chart.locator("tbody tr").count()).toBe(90);
  });
});
