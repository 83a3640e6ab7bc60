/**
 * Customers: search, filters (tier, segment, owner, renewal within N days), sort, cursor
 * pages, a 30-day sparkline per row. Filters and sort live in the URL (shareable, back
 * button works); the page cursor is kept here and starts over when they change. A live
 * score updates its row in place.
 */
import { useEffect, useState } from "preact/hooks";
import type { CustomerQuery } from "../api.ts";
import { Sparkline } from "../components/Sparkline.tsx";
import { TierBadge } from "../components/TierBadge.tsx";
import { useLive, useServices } from "../context.ts";
import { money, renewalText, scoreText, TIER_LABEL, TIER_ORDER } from "../format.ts";
import { useDebounced, useResource } from "../resource.ts";
import { customerHref, type Location, navigate } from "../router.ts";
import { ErrorNote, FilterSelect, Loading } from "./common.tsx";

const SORTS: Record<string, string> = {
  score: "Score, lowest first",
  "-score": "Score, highest first",
  "-mrr": "MRR, highest first",
  mrr: "MRR, lowest first",
  name: "Name",
  renewal: "Renewal, soonest first",
};
const PAGE_SIZE = 50;
const FILTERS = ["q", "tier", "segment", "owner", "renewalWithinDays", "sort"] as const;

export function Customers({ location }: { location: Location }) {
  const { api, announce } = useServices();
  const query: CustomerQuery = Object.fromEntries(
    FILTERS.map((name) => [name, location.search.get(name) ?? ""]),
  );
  const key = FILTERS.map((name) => query[name]).join("|");
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  // New filters: back to the first page.
  useEffect(() => setCursors([undefined]), [key]);
  const cursor = cursors[cursors.length - 1];
  const rows = useResource(`${key}|${cursor ?? ""}`, () =>
    api.customers({ ...query, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
  );
  // The filter values and the currency come with the portfolio summary (one small read).
  const filters = useResource("filters", () =>
    api.portfolio({}).then((p) => ({ ...p.filters, currency: p.currency })),
  );
  const [search, setSearch] = useState(query.q ?? "");

  const setParam = (name: string, value: string) => {
    const next = new URLSearchParams(location.search);
    if (value) next.set(name, value);
    else next.delete(name);
    const text = next.toString();
    navigate(`/customers${text ? `?${text}` : ""}`, { replace: true });
  };
  const applySearch = useDebounced(() => setParam("q", search.trim()), 300);

  useLive((message) => {
    if (message.type !== "score") return;
    rows.update((page) => ({
      ...page,
      items: page.items.map((row) =>
        row.accountId === message.accountId
          ? {
              ...row,
              score: message.score,
              tier: message.tier,
              updatedAt: message.computedAt,
              sparkline: [...row.sparkline.slice(0, -1), message.score],
            }
          : row,
      ),
    }));
    if (rows.data?.items.some((r) => r.accountId === message.accountId))
      announce(
        `${message.displayName}: score ${scoreText(message.score)}, ${TIER_LABEL[message.tier]}`,
      );
  }, rows.reload);

  const page = rows.data;
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Customers</h1>
      </div>
      <form
        class="filters"
        aria-label="Search and filter customers"
        onSubmit={(e) => {
          e.preventDefault();
          setParam("q", search.trim());
        }}
      >
        <span class="field grow">
          <label for="search">Search</label>
          <input
            id="search"
            type="search"
            value={search}
            placeholder="Name or account id"
            onInput={(e) => {
              setSearch((e.target as HTMLInputElement).value);
              applySearch();
            }}
          />
        </span>
        <FilterSelect
          label="Tier"
          value={query.tier ?? ""}
          options={TIER_ORDER}
          onChange={(v) => setParam("tier", v)}
        />
        <FilterSelect
          label="Segment"
          value={query.segment ?? ""}
          options={filters.data?.segments ?? []}
          onChange={(v) => setParam("segment", v)}
        />
        <FilterSelect
          label="Owner"
          value={query.owner ?? ""}
          options={filters.data?.owners ?? []}
          onChange={(v) => setParam("owner", v)}
        />
        <FilterSelect
          label="Renewal within"
          value={query.renewalWithinDays ?? ""}
          options={["7", "30", "60", "90"]}
          anyLabel="Any time"
          onChange={(v) => setParam("renewalWithinDays", v)}
        />
        <span class="field">
          <label for="sort">Sort</label>
          <select
            id="sort"
            value={query.sort || "score"}
            onChange={(e) => setParam("sort", (e.target as HTMLSelectElement).value)}
          >
            {Object.entries(SORTS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </span>
      </form>
      {rows.error && <ErrorNote error={rows.error} retry={rows.reload} />}
      {!page && !rows.error && <Loading what="customers" />}
      {page && (
        <>
          <table class="customers" aria-busy={rows.loading}>
            <caption class="visually-hidden">Customers, {SORTS[query.sort || "score"]}</caption>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Tier</th>
                <th scope="col" class="num">
                  Score
                </th>
                <th scope="col">30 days</th>
                <th scope="col" class="num">
                  MRR
                </th>
                <th scope="col">Segment</th>
                <th scope="col">Owner</th>
                <th scope="col">Renewal</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((row) => (
                <tr key={row.accountId} data-account={row.accountId}>
                  <th scope="row">
                    <a href={customerHref(row.accountId)}>{row.displayName}</a>
                  </th>
                  <td>
                    <TierBadge tier={row.tier} />
                  </td>
                  <td class="num">{scoreText(row.score)}</td>
                  <td>
                    <Sparkline points={row.sparkline} label={`${row.displayName} score`} />
                  </td>
                  <td class="num">{money(row.mrr, filters.data?.currency ?? null)}</td>
                  <td>{row.segment}</td>
                  <td>{row.owner ?? "–"}</td>
                  <td>{renewalText(row.renewsAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.items.length === 0 && <p class="muted">No customer matches these filters.</p>}
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              disabled={cursors.length === 1}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              ← Previous
            </button>
            <span class="muted">Page {cursors.length}</span>
            <button
              type="button"
              disabled={!page.cursor}
              onClick={() => page.cursor && setCursors([...cursors, page.cursor])}
            >
              Next →
            </button>
          </nav>
        </>
      )}
    </>
  );
}
