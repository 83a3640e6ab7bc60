/**
 * The dashboard page on the local runtime's port: its built files (`dashboard/dist`),
 * `/config.json`, and the page itself for its routes. The read API already answers
 * `GET /customers` and `GET /customers/{id}` with JSON, and alerts link to
 * `${DASHBOARD_URL}/customers/{id}`, so the two share those paths by content negotiation:
 * a request whose `Accept` names `text/html` (a browser opening the link) gets the page,
 * anything else (curl, fetch, the SDK: `*` or JSON) gets the API, as before.
 */
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { DashboardConfig } from "../../functions/dashboard/contract.ts";

export const DASHBOARD_DIR = fileURLToPath(new URL("../../dashboard", import.meta.url));
export const DASHBOARD_DIST = join(DASHBOARD_DIR, "dist");

/** The page's own routes (the client-side router knows the same four). */
const PAGE_ROUTES = [/^\/$/, /^\/customers\/?$/, /^\/customers\/[^/]+\/?$/, /^\/alerts\/?$/];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json",
};

/** Whether the request asks for a web page rather than data. */
export function wantsHtml(req: IncomingMessage): boolean {
  return /\btext\/html\b/.test(req.headers.accept ?? "");
}

/** The config the page reads locally: same origin, live feed on this port, no sign-in. */
export function localConfig(req: IncomingMessage): DashboardConfig {
  const host = req.headers.host ?? "127.0.0.1";
  return { apiBase: "", liveUrl: `ws://${host}/dashboard/live`, auth: null };
}

export interface DashboardSiteOptions {
  /** @default DASHBOARD_DIST */
  readonly distDir?: string;
  /** @default localConfig */
  readonly config?: (req: IncomingMessage) => DashboardConfig;
}

/**
 * A request handler for the dashboard's files; resolves true when it answered, false to
 * let the API routes have the request.
 */
export function dashboardSite(options: DashboardSiteOptions = {}) {
  const dist = resolve(options.distDir ?? DASHBOARD_DIST);
  const config = options.config ?? localConfig;
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    let path: string;
    try {
      path = new URL(req.url ?? "/", "http://localhost").pathname;
    } catch {
      return false;
    }
    if (path === "/config.json") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : JSON.stringify(config(req)));
      return true;
    }
    if (path.startsWith("/assets/")) {
      const file = resolve(dist, `.${decodeSafely(path)}`);
      if (!file.startsWith(dist + sep)) return false;
      // Hashed names: a file's content never changes under its name.
      return sendFile(req, res, file, "public, max-age=31536000, immutable");
    }
    const pageRoute = PAGE_ROUTES.some((route) => route.test(path));
    if (pageRoute && (path === "/" || wantsHtml(req))) {
      if (await sendFile(req, res, join(dist, "index.html"), "no-cache")) return true;
      res.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
      res.end(
        "The dashboard is not built yet: npm start builds it (or: npx vite build dashboard).\n",
      );
      return true;
    }
    return false;
  };
}

function decodeSafely(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, cache: string) {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return false;
  res.writeHead(200, {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "content-length": info.size,
    "cache-control": cache,
    "x-content-type-options": "nosniff",
  });
  if (req.method === "HEAD") res.end();
  else createReadStream(file).pipe(res);
  return true;
}

/** The newest modification time (ms) of the page's sources. */
async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  const walk = async (path: string) => {
    const info = await stat(path);
    if (info.isDirectory()) {
      for (const name of await readdir(path)) if (name !== "dist") await walk(join(path, name));
    } else newest = Math.max(newest, info.mtimeMs);
  };
  await walk(dir);
  const contract = fileURLToPath(new URL("../../functions/dashboard/contract.ts", import.meta.url));
  return Math.max(newest, (await stat(contract)).mtimeMs);
}

/** Builds the page with Vite unless `dist` is newer than every source; says which. */
export async function buildDashboard(
  options: { dir?: string; force?: boolean } = {},
): Promise<"built" | "current"> {
  const dir = options.dir ?? DASHBOARD_DIR;
  const built = await stat(join(dir, "dist", "index.html")).catch(() => undefined);
  if (!options.force && built && built.mtimeMs >= (await newestSource(dir))) return "current";
  const { build } = await import("vite");
  await build({ root: dir, configFile: join(dir, "vite.config.ts"), logLevel: "warn" });
  return "built";
}
