/**
 * The first page: customers and MRR per tier, MRR at risk, tier moves, the 90-day average
 * score, and the customers that need attention today. Live scores refetch it (debounced):
 * the counts come from the server's summary, not from adding up messages here.
 */
import { useLayoutEffect } from "preact/hooks";
import { ScoreChart } from "../components/ScoreChart.tsx";
import { TierBadge } from "../components/TierBadge.tsx";
import { useLive, useServices } from "../context.ts";
import { count, money, renewalText, scoreText, signed, TIER_ORDER } from "../format.ts";
import { useDebounced, useResource } from "../resource.ts";
import { customerHref, type Location, navigate } from "../router.ts";
import type { AttentionItem, Portfolio as PortfolioData } from "../types.ts";
import { ErrorNote, FilterSelect, Loading } from "./common.tsx";

/** When the portfolio has been drawn after its data arrived (the benchmark reads these). */
export const PORTFOLIO_MARKS = { data: "portfolio:data", rendered: "portfolio:rendered" };

export function Portfolio({ location }: { location: Location }) {
  const { api } = useServices();
  const segment = location.search.get("segment") ?? "";
  const owner = location.search.get("owner") ?? "";
  const portfolio = useResource(`${segment}|${owner}`, async () => {
    const data = await api.portfolio({ segment, owner });
    performance.mark(PORTFOLIO_MARKS.data);
    return data;
  });
  const refetch = useDebounced(portfolio.reload, 1000);
  useLive((message) => {
    if (message.type === "score") refetch();
  }, portfolio.reload);

  const setFilter = (name: string, value: string) => {
    const search = new URLSearchParams(location.search);
    if (value) search.set(name, value);
    else search.delete(name);
    const text = search.toString();
    navigate(`/${text ? `?${text}` : ""}`, { replace: true });
  };

  const data = portfolio.data;
  // Committed to the DOM and laid out: the benchmark's "rendered".
  useLayoutEffect(() => {
    if (!data) return;
    void document.body.offsetHeight;
    performance.mark(PORTFOLIO_MARKS.rendered);
  }, [data]);

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Portfolio</h1>
        {data && (
          <form
            class="filters"
            onSubmit={(e) => e.preventDefault()}
            aria-label="Filter the portfolio"
          >
            <FilterSelect
              label="Segment"
              value={segment}
              options={data.filters.segments}
              onChange={(v) => setFilter("segment", v)}
            />
            <FilterSelect
              label="Owner"
              value={owner}
              options={data.filters.owners}
              onChange={(v) => setFilter("owner", v)}
            />
          </form>
        )}
      </div>
      {portfolio.error && <ErrorNote error={portfolio.error} retry={portfolio.reload} />}
      {!data && !portfolio.error && <Loading what="the portfolio" />}
      {data && <PortfolioBody data={data} />}
    </>
  );
}

function PortfolioBody({ data }: { data: PortfolioData }) {
  const total = TIER_ORDER.reduce((sum, t) => sum + data.tiers[t].customers, 0);
  return (
    <>
      <section aria-labelledby="tiers-heading" class="cards">
        <h2 id="tiers-heading" class="visually-hidden">
          Customers and MRR per tier
        </h2>
        {TIER_ORDER.map((tier) => (
          <a
            key={tier}
            class={`card card-${tier}`}
            href={`/customers?tier=${tier}`}
            data-testid={`tier-card-${tier}`}
          >
            <TierBadge tier={tier} />
            <span class="big">{count(data.tiers[tier].customers)}</span>
            <span class="muted">customers · {money(data.tiers[tier].mrr, data.currency)} MRR</span>
          </a>
        ))}
        <div class="card card-risk">
          <span class="card-title">MRR at risk</span>
          <span class="big" data-testid="mrr-at-risk">
            {money(data.mrrAtRisk, data.currency)}
          </span>
          <span class="muted">at-risk and critical, of {count(total)} customers</span>
        </div>
        <div class="card">
          <span class="card-title">Tier moves</span>
          <dl class="moves">
            <dt>7 days</dt>
            <dd>
              <span class="worse">▼ {data.moves.days7.worse} worse</span> ·{" "}
              <span class="better">▲ {data.moves.days7.better} better</span>
            </dd>
            <dt>30 days</dt>
            <dd>
              <span class="worse">▼ {data.moves.days30.worse} worse</span> ·{" "}
              <span class="better">▲ {data.moves.days30.better} better</span>
            </dd>
          </dl>
        </div>
      </section>
      <div class="columns">
        <section aria-labelledby="attention-heading" class="panel attention">
          <h2 id="attention-heading">Needs attention</h2>
          <NeedsAttention items={data.needsAttention} currency={data.currency} />
        </section>
        <section aria-labelledby="average-heading" class="panel">
          <h2 id="average-heading">Average score, 90 days</h2>
          <ScoreChart points={data.averageScore} label="Average score" height={220} />
        </section>
      </div>
    </>
  );
}

function NeedsAttention({
  items,
  currency,
}: {
  items: readonly AttentionItem[];
  currency: string | null;
}) {
  if (items.length === 0) return <p class="muted">Nobody needs attention today.</p>;
  return (
    <ol class="attention-list">
      {items.map((item) => (
        <li key={item.accountId} data-account={item.accountId}>
          <div class="attention-top">
            <a href={customerHref(item.accountId)} class="name">
              {item.displayName}
            </a>
            <TierBadge tier={item.tier} />
            <span class="score">
              <span class="visually-hidden">score </span>
              {scoreText(item.score)}
            </span>
          </div>
          <p class="reason">{item.reason}</p>
          <p class="muted small">
            {money(item.mrr, currency)} MRR · 7-day change {signed(item.change7d)} ·{" "}
            {renewalText(item.renewsAt)}
            {item.owner && ` · ${item.owner}`}
          </p>
        </li>
      ))}
    </ol>
  );
}
