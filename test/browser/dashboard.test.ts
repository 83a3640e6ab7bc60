/**
 * The dashboard in Chromium: the portfolio, the customer in trouble, its page and chart,
 * live updates without a reload, reconnect and catch-up, keyboard use, no console errors.
 * Screenshots for the README are written to docs/screenshots/ when missing or when
 * UPDATE_SCREENSHOTS=1.
 */
import { existsSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, launchChromium } from "./support/chromium.ts";
import { type DashboardBackend, startDashboardBackend } from "./support/dashboard-backend.ts";
import { demoDashboardData } from "./support/dashboard-fixtures.ts";
import { type DoubleServer, startDoubleServer } from "./support/double-server.ts";
import { FAKE_ID_TOKEN } from "./support/fake-cognito.ts";

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

/** Marks the document; the mark is gone after a reload. */
const markDocument = (page: Page) => page.evaluate("window.__sameDocument = true");
const sameDocument = (page: Page) => page.evaluate("window.__sameDocument === true");

describe.skipIf(!executable)("dashboard in the browser", () => {
  let browser: Browser;
  let backend: DashboardBackend;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    backend = await startDashboardBackend();
    browser = await launchChromium(executable as string);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await backend?.stop();
  });

  it("loads the portfolio and shows the customer in trouble under Needs attention, with its reason", async () => {
    await page.goto(`${backend.baseUrl}/`);
    const attention = page.getByRole("region", { name: "Needs attention" });
    const item = attention.getByRole("listitem").filter({ hasText: backend.troubled.displayName });
    await expect.poll(() => item.count()).toBe(1);
    await expect.poll(() => item.textContent()).toMatch(backend.troubled.reason);
    expect(await item.locator("[data-tier]").getAttribute("data-tier")).toBe("critical");
    // Tier shown by shape and words, not colour alone.
    expect(await item.locator("[data-tier]").textContent()).toBe("Critical");
    expect(await item.locator("[data-tier] svg rect").count()).toBe(1);
    expect(await page.getByTestId("tier-card-critical").textContent()).toMatch(
      /Critical\s*3\s*customers/,
    );
    expect(await page.getByTestId("mrr-at-risk").textContent()).toMatch(/^\$\d{1,3}(,\d{3})*$/);
    const contrast = (await page.evaluate(
      CONTRAST(".tier, .muted, a, p, dd, .worse, .better"),
    )) as {
      ratio: number;
      text: string;
    };
    expect(contrast.ratio, contrast.text).toBeGreaterThanOrEqual(4.5);
    await screenshot(page, "portfolio");
  });

  it("opens the customer's page from its link, with the history chart, tier bands and the model change", async () => {
    await markDocument(page);
    await page.getByRole("link", { name: backend.troubled.displayName }).first().click();
    await page.waitForURL(`**/customers/${backend.troubled.accountId}`);
    await page.getByRole("heading", { level: 1, name: backend.troubled.displayName }).waitFor();
    expect(await sameDocument(page)).toBe(true);
    expect(await page.getByTestId("score").textContent()).toBe("18");
    expect(await page.getByTestId("headline").locator("[data-tier]").textContent()).toBe(
      "Critical",
    );
    expect(await page.getByRole("region", { name: "Red flags" }).textContent()).toMatch(
      backend.troubled.reason,
    );
    const chart = page.getByRole("region", { name: "Score history" });
    const canvas = chart.locator("canvas");
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(box?.height).toBeGreaterThan(100);
    expect(await chart.locator("figcaption").textContent()).toMatch(/model 3 from \w{3} \d+/);
    expect(await page.getByRole("region", { name: "What holds it down" }).textContent()).toMatch(
      /−31/,
    );
    expect(await page.getByRole("region", { name: "Recent events" }).textContent()).toMatch(
      /Subscription set to cancel/,
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

  it("shows a live score on the customer page within 2 s, without a reload", async () => {
    await expect
      .poll(() => page.getByTestId("live-status").textContent(), { timeout: 10_000 })
      .toMatch(/Live/);
    await markDocument(page);
    const sent = Date.now();
    await backend.writeScore(backend.troubled.accountId, 12);
    await expect.poll(() => page.getByTestId("score").textContent(), { timeout: 2000 }).toBe("12");
    expect(Date.now() - sent).toBeLessThan(2000);
    expect(await sameDocument(page)).toBe(true);
    // The chart's data follows: today's point is the new score.
    const rows = page.getByRole("region", { name: "Score history" }).locator("tbody tr");
    expect(await rows.last().locator("td").nth(1).textContent()).toBe("12");
  });

  it("updates the portfolio's counts when a customer changes tier, without a reload", async () => {
    await page.getByRole("link", { name: "Portfolio" }).click();
    const atRisk = page.getByTestId("tier-card-at-risk");
    await expect.poll(() => atRisk.textContent()).toMatch(/At risk\s*6\s*customers/);
    await markDocument(page);
    await backend.writeScore(backend.healthy.accountId, 55);
    await expect
      .poll(() => atRisk.textContent(), { timeout: 4000 })
      .toMatch(/At risk\s*7\s*customers/);
    expect(await sameDocument(page)).toBe(true);
  });

  it("reconnects after the live connection drops and catches up on what it missed", async () => {
    await page.goto(`${backend.baseUrl}/customers/${backend.healthy.accountId}`);
    await expect
      .poll(() => page.getByTestId("live-status").textContent(), { timeout: 10_000 })
      .toMatch(/Live/);
    await markDocument(page);
    backend.dropLive();
    await expect.poll(() => page.getByTestId("live-status").textContent()).toMatch(/Reconnecting/);
    // Written while the page is away: no message reaches it.
    await backend.writeScore(backend.healthy.accountId, 35);
    await expect
      .poll(() => page.getByTestId("live-status").textContent(), { timeout: 10_000 })
      .toMatch(/Live/);
    await expect.poll(() => page.getByTestId("score").textContent(), { timeout: 5000 }).toBe("35");
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
    await page.getByLabel("Search", { exact: true }).fill("vandelay");
    await expect.poll(() => rows.count()).toBe(1);
    expect(page.url()).toMatch(/q=vandelay/);
    await page.getByRole("link", { name: "Alerts" }).click();
    await page.getByRole("heading", { level: 1, name: "Alerts" }).waitFor();
    expect(await page.locator("ol.alerts li").first().textContent()).toMatch(/→/);
  });

  it("logged no console errors", () => {
    expect(problems).toEqual([]);
  });
});

describe.skipIf(!executable)("dashboard sign-in (Cognito hosted UI, PKCE)", () => {
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
});
