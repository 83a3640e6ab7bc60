import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardSite } from "../../../lib/local/dashboard-site.ts";
import { createHttpApi, listen } from "../../../lib/local/http.ts";

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

describe("dashboardSite on the local HTTP API", () => {
  let dir: string;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dashboard-dist-"));
    await mkdir(join(dir, "assets"));
    await writeFile(join(dir, "index.html"), "<!doctype html><title>page</title>");
    await writeFile(join(dir, "assets", "app-1a2b.js"), "console.log(1)");
    await writeFile(join(tmpdir(), "secret.txt"), "nope");
    server = createHttpApi({
      routes: [
        { method: "GET", path: "/customers", function: "api", auth: "iam" },
        { method: "GET", path: "/customers/{accountId}", function: "api", auth: "iam" },
      ],
      functions: {
        api: async (event) => ({
          statusCode: 200,
          body: JSON.stringify({ route: event.routeKey }),
        }),
      },
      maxRequestBytes: 1024,
      log: () => {},
      site: dashboardSite({ distDir: dir }),
    });
    base = `http://127.0.0.1:${await listen(server, 0, "127.0.0.1")}`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
    await rm(join(tmpdir(), "secret.txt"), { force: true });
  });

  it("gives a browser the page on the customer paths the read API also answers", async () => {
    for (const path of ["/", "/customers", "/customers/acme", "/alerts"]) {
      const response = await fetch(`${base}${path}`, { headers: { accept: BROWSER_ACCEPT } });
      expect(response.headers.get("content-type"), path).toMatch(/^text\/html/);
      expect(await response.text()).toContain("<title>page</title>");
    }
  });

  it("keeps the read API's JSON for callers that do not ask for HTML", async () => {
    const list = await fetch(`${base}/customers`, { headers: { accept: "*/*" } });
    expect(await list.json()).toEqual({ route: "GET /customers" });
    const one = await fetch(`${base}/customers/acme`, { headers: { accept: "application/json" } });
    expect(await one.json()).toEqual({ route: "GET /customers/{accountId}" });
  });

  it("serves /config.json for this host, with the live feed on the same port and no sign-in", async () => {
    const response = await fetch(`${base}/config.json`);
    const host = new URL(base).host;
    expect(await response.json()).toEqual({
      apiBase: "",
      liveUrl: `ws://${host}/dashboard/live`,
      auth: null,
    });
  });

  it("serves built assets as immutable and never a file outside dist", async () => {
    const asset = await fetch(`${base}/assets/app-1a2b.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    const outside = await fetch(`${base}/assets/..%2f..%2fsecret.txt`);
    expect(outside.status).toBe(404);
    expect(await outside.text()).not.toContain("nope");
  });

  it("answers other paths from the routes as before", async () => {
    const response = await fetch(`${base}/nothing-here`, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "no such route" });
  });
});
