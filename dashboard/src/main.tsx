/**
 * The dashboard: reads /config.json, signs in when the config asks for it, connects the
 * live feed and renders the page for the URL.
 */
import { render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { createApi } from "./api.ts";
import { currentToken, signOut } from "./auth.ts";
import { type AppServices, Services } from "./context.ts";
import { connectLive, type LiveFeed, type LiveStatus } from "./live.ts";
import { interceptLinks, matchRoute, useLocation } from "./router.ts";
import "./styles.css";
import type { DashboardConfig } from "./types.ts";
import { Alerts } from "./views/Alerts.tsx";
import { Customer } from "./views/Customer.tsx";
import { Customers } from "./views/Customers.tsx";
import { Portfolio } from "./views/Portfolio.tsx";

const NAV = [
  { href: "/", label: "Portfolio", active: (p: string) => p === "/" },
  { href: "/customers", label: "Customers", active: (p: string) => p.startsWith("/customers") },
  { href: "/alerts", label: "Alerts", active: (p: string) => p === "/alerts" },
];

const STATUS_TEXT: Record<LiveStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
};

function App({ config, live }: { config: DashboardConfig; live: LiveFeed }) {
  const location = useLocation();
  const route = matchRoute(location.pathname);
  const [status, setStatus] = useState<LiveStatus>(live.status);
  const [announcement, setAnnouncement] = useState("");
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    const off = live.onStatus(setStatus);
    // It may have connected between the first render and now.
    setStatus(live.status);
    return off;
  }, [live]);

  const services = useMemo<AppServices>(
    () => ({
      api: createApi(config, () => currentToken(config.auth)),
      live,
      announce: setAnnouncement,
    }),
    [config, live],
  );

  // A new page: say so to screen readers by moving focus to its heading, once it is there
  // (a customer's heading appears when its data has arrived).
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const element = main.current;
    if (!element) return;
    const focusHeading = () => {
      const heading = element.querySelector<HTMLElement>("h1");
      if (!heading) return false;
      heading.focus();
      return true;
    };
    if (focusHeading()) return;
    const observer = new MutationObserver(() => focusHeading() && observer.disconnect());
    observer.observe(element, { childList: true, subtree: true });
    const timer = setTimeout(() => observer.disconnect(), 10_000);
    return () => {
      observer.disconnect();
      clearTimeout(timer);
    };
  }, [location.pathname]);
  useEffect(() => {
    if (route.name !== "customer") document.title = "Customer health";
  }, [route.name]);

  return (
    <Services.Provider value={services}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Customer health</span>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <a
              key={item.href}
              href={item.href}
              aria-current={item.active(location.pathname) ? "page" : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <output class={`live live-${status}`} data-testid="live-status">
          <span aria-hidden="true">{status === "live" ? "●" : "○"}</span> {STATUS_TEXT[status]}
        </output>
        {config.auth && (
          <button type="button" class="link" onClick={() => config.auth && signOut(config.auth)}>
            Sign out
          </button>
        )}
      </header>
      <main id="main" ref={main}>
        {route.name === "portfolio" && <Portfolio location={location} />}
        {route.name === "customers" && <Customers location={location} />}
        {route.name === "customer" && (
          <Customer key={route.accountId} accountId={route.accountId} />
        )}
        {route.name === "alerts" && <Alerts />}
        {route.name === "not-found" && (
          <>
            <h1 tabIndex={-1}>Page not found</h1>
            <p>
              <a href="/">Back to the portfolio</a>
            </p>
          </>
        )}
      </main>
      <div class="visually-hidden" aria-live="polite">
        {announcement}
      </div>
    </Services.Provider>
  );
}

async function start() {
  const root = document.getElementById("app") as HTMLElement;
  try {
    const response = await fetch("/config.json", { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
    const config = (await response.json()) as DashboardConfig;
    const token = await currentToken(config.auth);
    const liveUrl = new URL(config.liveUrl, location.href.replace(/^http/, "ws"));
    if (token) liveUrl.searchParams.set("token", token);
    const live = connectLive(liveUrl.href);
    interceptLinks();
    root.textContent = "";
    render(<App config={config} live={live} />, root);
  } catch (error) {
    root.innerHTML = "";
    const p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.textContent = `The dashboard could not start: ${(error as Error).message}`;
    root.append(p);
  }
}

start();
