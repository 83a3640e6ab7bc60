/**
 * The dashboard in Chromium with 10,000 generated customers (section "dashboard"), served
 * by the browser tests' double of the data routes on the real local HTTP layer.
 *
 * - `dashboard.portfolio_render_ms`: from the portfolio's data arriving in the page (JSON
 *   parsed) to its first render committed and laid out (chart drawn included), median of
 *   fresh loads. Baseline, same run: the same rendered markup set as plain innerHTML with
 *   a forced layout (what the DOM alone costs: no Preact, no chart drawing).
 * - `dashboard.page_update_ms`: from a score message being sent to the open customer page
 *   showing the new score (in the DOM, chart redrawn), median and p95. Baseline, same run:
 *   the same kind of message's arrival on a bare WebSocket in a page without the app.
 *
 * Then on the real local stack (`npm start`'s runtime, its DynamoDB Local, stream pollers
 * and WebSocket; the browser tests' six customers), a signed webhook at a time that moves an
 * open customer page's score:
 * - `dashboard.live_update_ms`: from the score item's write (its `computedAt`, taken just
 *   before the write, so a little early) to the page showing it: table stream → dashboard
 *   function → WebSocket → page. Median and p95; target ≤ 2,000.
 * - `dashboard.webhook_to_page_ms`: from sending the webhook to the page showing its score
 *   (adds the webhook, the score function's 1 s batching window and scoring).
 */
import { performance } from "node:perf_hooks";
import { buildDashboard } from "../lib/local/dashboard-site.ts";
import { chromiumPath, launchChromium, NO_CHROMIUM } from "../test/browser/support/chromium.ts";
import { generatedDashboardData } from "../test/browser/support/dashboard-fixtures.ts";
import { startDoubleServer } from "../test/browser/support/double-server.ts";
import { startRealDashboard } from "../test/browser/support/real-stack.ts";
import type { Report } from "./report.ts";

const CUSTOMERS = Number(process.env.BENCH_DASHBOARD_CUSTOMERS ?? 10_000);
const LOADS = 7;
const LIVE_SAMPLES = 30;
const REAL_SAMPLES = 12;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1] as number;
const round = (n: number) => Math.round(n * 10) / 10;
const now = () => performance.timeOrigin + performance.now();

export async function benchDashboard(report: Report) {
  const executable = chromiumPath();
  if (!executable) {
    console.log(`dashboard: ${NO_CHROMIUM.replace("browser tests skipped", "skipped")}`);
    return;
  }
  await buildDashboard();
  const data = generatedDashboardData(CUSTOMERS);
  const server = await startDoubleServer(data);
  const browser = await launchChromium(executable);
  try {
    report("dashboard.customers", CUSTOMERS, "customers");
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

    const renders: number[] = [];
    const baselines: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      await page.goto(`${server.baseUrl}/`);
      await page.waitForFunction("performance.getEntriesByName('portfolio:rendered').length > 0");
      renders.push(
        (await page.evaluate(
          "performance.getEntriesByName('portfolio:rendered')[0].startTime - performance.getEntriesByName('portfolio:data')[0].startTime",
        )) as number,
      );
      baselines.push(
        (await page.evaluate(`(() => {
          const html = document.querySelector("main").innerHTML;
          const box = document.createElement("div");
          const start = performance.now();
          box.innerHTML = html;
          document.body.append(box);
          void document.body.offsetHeight;
          const took = performance.now() - start;
          box.remove();
          return took;
        })()`)) as number,
      );
    }
    const render = median(renders);
    const baseline = median(baselines);
    report("dashboard.portfolio_render_ms", round(render), "ms");
    report("dashboard.portfolio_render_baseline_innerhtml_ms", round(baseline), "ms");
    report("dashboard.portfolio_render_vs_baseline", round(render / Math.max(baseline, 0.1)), "x");

    const target = data.rows.find((r) => r.tier === "healthy") ?? data.rows[0];
    if (!target) throw new Error("no customers generated");
    await page.goto(`${server.baseUrl}/customers/${target.accountId}`);
    await page.getByTestId("score").waitFor();
    await page.waitForFunction(
      "document.querySelector('[data-testid=live-status]').textContent.includes('Live')",
    );
    // The baseline: a bare WebSocket in a page with no app (the JSON config document),
    // fed scores of another customer, which the open customer page ignores.
    const bare = await browser.newPage();
    await bare.goto(`${server.baseUrl}/config.json`);
    await bare.evaluate(`new Promise((resolve) => {
      const raw = new WebSocket(location.origin.replace("http", "ws") + "/dashboard/live");
      window.__arrivals = [];
      raw.onmessage = (e) => { if (e.data.includes('"score"')) window.__arrivals.push(performance.timeOrigin + performance.now()); };
      raw.onopen = () => resolve(true);
    })`);
    const other = data.rows.find((r) => r.accountId !== target.accountId) ?? target;
    const transports: number[] = [];
    for (let i = 0; i < LIVE_SAMPLES; i++) {
      const sent = now();
      await server.writeScore(other.accountId, 20 + ((i * 7) % 70));
      await bare.waitForFunction(`window.__arrivals.length === ${i + 1}`);
      transports.push(((await bare.evaluate("window.__arrivals.at(-1)")) as number) - sent);
    }
    await bare.close();
    const updates: number[] = [];
    for (let i = 0; i < LIVE_SAMPLES; i++) {
      const score = 20 + ((i * 7) % 70);
      await page.evaluate(`new Promise((resolve) => {
        const el = document.querySelector("[data-testid=score]");
        window.__shown = undefined;
        const observer = new MutationObserver(() => {
          if (document.querySelector("[data-testid=score]")?.textContent === "${score}") {
            window.__shown = performance.timeOrigin + performance.now();
            observer.disconnect();
          }
        });
        observer.observe(document.querySelector("main"), { subtree: true, childList: true, characterData: true });
        resolve(el !== null);
      })`);
      const sent = now();
      await server.writeScore(target.accountId, score);
      await page.waitForFunction("window.__shown !== undefined", undefined, { timeout: 5000 });
      updates.push(((await page.evaluate("window.__shown")) as number) - sent);
      // Past the page's debounced refetch, so samples do not overlap.
      await page.waitForTimeout(1700);
    }
    report("dashboard.page_update_ms", round(median(updates)), "ms");
    report("dashboard.page_update_p95_ms", round(p95(updates)), "ms");
    report("dashboard.page_update_baseline_websocket_ms", round(median(transports)), "ms");
  } finally {
    await browser.close();
    await server.stop();
  }
  await benchRealStack(executable, report);
}

/** Score written → open page, and webhook → open page, on the real local stack. */
async function benchRealStack(executable: string, report: Report) {
  const real = await startRealDashboard();
  const browser = await launchChromium(executable);
  try {
    const [customer] = real.healthy;
    if (!customer) throw new Error("no healthy customer");
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${real.baseUrl}/customers/${customer.accountId}`);
    await page.getByTestId("score").waitFor();
    await page.waitForFunction(
      "document.querySelector('[data-testid=live-status]').textContent.includes('Live')",
      undefined,
      { timeout: 10_000 },
    );
    const fromWrite: number[] = [];
    const fromWebhook: number[] = [];
    for (let i = 0; i < REAL_SAMPLES; i++) {
      // The time the shown score first differs from the one shown now.
      await page.evaluate(`(() => {
        const before = document.querySelector("[data-testid=score]").textContent;
        window.__shown = undefined;
        const observer = new MutationObserver(() => {
          if (document.querySelector("[data-testid=score]")?.textContent !== before) {
            window.__shown = performance.timeOrigin + performance.now();
            observer.disconnect();
          }
        });
        observer.observe(document.querySelector("main"), { subtree: true, childList: true, characterData: true });
      })()`);
      const sent = Date.now();
      // A detractor, then a promoter: each answer moves the score.
      await real.sendGeneric("nps", customer.accountId, { score: i % 2 === 0 ? 0 : 10 });
      await page.waitForFunction("window.__shown !== undefined", undefined, { timeout: 10_000 });
      const shown = (await page.evaluate("window.__shown")) as number;
      await real.stack.settle();
      const written = Date.parse((await real.customerPage(customer.accountId)).updatedAt);
      fromWrite.push(shown - written);
      fromWebhook.push(shown - sent);
      // Past the page's debounced refetch, so samples do not overlap.
      await page.waitForTimeout(1700);
    }
    report("dashboard.live_update_ms", round(median(fromWrite)), "ms");
    report("dashboard.live_update_p95_ms", round(p95(fromWrite)), "ms");
    report("dashboard.live_update_target_ms", 2000, "ms");
    report("dashboard.webhook_to_page_ms", round(median(fromWebhook)), "ms");
    report("dashboard.webhook_to_page_p95_ms", round(p95(fromWebhook)), "ms");
  } finally {
    await browser.close();
    await real.stop();
  }
}
