/**
 * A small client-side router over real URLs: `/`, `/customers`, `/customers/{id}`,
 * `/alerts`. Plain `<a href>` links stay links (keyboard, middle-click, copy link); a
 * same-origin left click is turned into a history push, so the page does not reload.
 */
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { readonly name: "portfolio" }
  | { readonly name: "customers" }
  | { readonly name: "customer"; readonly accountId: string }
  | { readonly name: "alerts" }
  | { readonly name: "not-found" };

/** The route of a path; ids are percent-decoded (a malformed one is not found). */
export function matchRoute(pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  if (path === "/") return { name: "portfolio" };
  if (path === "/customers") return { name: "customers" };
  if (path === "/alerts") return { name: "alerts" };
  const customer = /^\/customers\/([^/]+)$/.exec(path);
  if (customer) {
    try {
      return { name: "customer", accountId: decodeURIComponent(customer[1] as string) };
    } catch {
      return { name: "not-found" };
    }
  }
  return { name: "not-found" };
}

/** The page URL of a customer. */
export const customerHref = (accountId: string) => `/customers/${encodeURIComponent(accountId)}`;

const listeners = new Set<() => void>();

/** Goes to `href` without a reload (replace: no new history entry, e.g. for filters). */
export function navigate(href: string, options: { replace?: boolean } = {}) {
  const url = new URL(href, location.href);
  if (url.href === location.href) return;
  if (options.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  for (const listener of listeners) listener();
}

export interface Location {
  readonly pathname: string;
  readonly search: URLSearchParams;
}

const current = (): Location => ({
  pathname: location.pathname,
  search: new URLSearchParams(location.search),
});

/** The current location, re-rendering on navigation and on back/forward. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    listeners.add(update);
    addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      removeEventListener("popstate", update);
    };
  }, []);
  return loc;
}

/** Turns same-origin link clicks into navigations; call once at start. */
export function interceptLinks(root: Document = document) {
  root.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.("a");
    if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin) return;
    event.preventDefault();
    navigate(url.href);
  });
}
