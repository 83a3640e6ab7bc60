/**
 * One customer: score and tier, the daily history with tier bands and model changes,
 * components, drivers (what moved it, what holds it down), red flags, recent events and
 * the alerts sent. A live score for this customer changes the score, tier and chart at
 * once; the rest (drivers, events) is refetched a moment later.
 */
import { useEffect } from "preact/hooks";
import { ScoreChart } from "../components/ScoreChart.tsx";
import { TierBadge } from "../components/TierBadge.tsx";
import { useLive, useServices } from "../context.ts";
import {
  capitalize,
  dateTime,
  money,
  percent,
  renewalText,
  scoreText,
  signed,
  TIER_LABEL,
} from "../format.ts";
import { useDebounced, useResource } from "../resource.ts";
import type { CustomerPage, LiveMessage, Reason } from "../types.ts";
import { AlertList } from "./Alerts.tsx";
import { ErrorNote, Loading } from "./common.tsx";

/** The page with a live score applied: score, tier and today's point of the history. */
export function applyScore(
  page: CustomerPage,
  message: Extract<LiveMessage, { type: "score" }>,
): CustomerPage {
  const today = message.computedAt.slice(0, 10);
  const last = page.history[page.history.length - 1];
  const point = {
    day: today,
    score: message.score,
    tier: message.tier,
    modelVersion: last?.modelVersion ?? page.modelVersion,
  };
  const history =
    last && last.day.slice(0, 10) === today
      ? [...page.history.slice(0, -1), point]
      : [...page.history, point];
  return {
    ...page,
    score: message.score,
    tier: message.tier,
    updatedAt: message.computedAt,
    history,
  };
}

export function Customer({ accountId }: { accountId: string }) {
  const { api, announce } = useServices();
  const customer = useResource(accountId, () => api.customer(accountId));
  const refetch = useDebounced(customer.reload, 1500);
  useLive((message) => {
    if (message.type !== "score" || message.accountId !== accountId) return;
    customer.update((page) => applyScore(page, message));
    announce(
      `${message.displayName}: score now ${scoreText(message.score)}, ${TIER_LABEL[message.tier]}`,
    );
    refetch();
  }, customer.reload);

  const page = customer.data;
  useEffect(() => {
    if (page) document.title = `${page.displayName} · Customer health`;
  }, [page?.displayName]);

  if (customer.error && !page) return <ErrorNote error={customer.error} retry={customer.reload} />;
  if (!page) return <Loading what="the customer" />;
  return (
    <>
      <div class="page-head customer-head">
        <div>
          <p class="muted small">
            <a href="/customers">Customers</a> / {page.accountId}
          </p>
          <h1 tabIndex={-1}>{page.displayName}</h1>
          <p class="muted">
            {page.segment && `${page.segment} · `}
            {money(page.mrr, null)} MRR · {renewalText(page.renewsAt)}
            {page.owner && ` · owner ${page.owner}`}
          </p>
        </div>
        <div class="headline" data-testid="headline">
          <span class="big" data-testid="score">
            {scoreText(page.score)}
          </span>
          <TierBadge tier={page.tier} />
          <span class="muted small">
            updated {dateTime(page.updatedAt)} · model {page.modelVersion.split("#")[0]} ·{" "}
            {percent(page.coverage)} of the model backed by data
          </span>
        </div>
      </div>
      {page.flags.length > 0 && (
        <section class="flags" aria-labelledby="flags-heading">
          <h2 id="flags-heading">Red flags</h2>
          <ul>
            {page.flags.map((flag) => (
              <li key={flag.name}>
                <strong>⚑ {flag.reason}</strong>{" "}
                <span class="muted">(at best {TIER_LABEL[flag.tier].toLowerCase()})</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section class="panel" aria-labelledby="history-heading">
        <h2 id="history-heading">Score history</h2>
        <ScoreChart
          points={page.history}
          thresholds={page.thresholds}
          label={`${page.displayName} daily score`}
        />
      </section>
      <div class="columns">
        <section class="panel" aria-labelledby="moved-heading">
          <h2 id="moved-heading">What moved it</h2>
          <Reasons reasons={page.drivers} empty="No change since the previous score." />
        </section>
        <section class="panel" aria-labelledby="down-heading">
          <h2 id="down-heading">What holds it down</h2>
          <Reasons reasons={page.holdingDown} empty="Nothing: every component is at full marks." />
        </section>
      </div>
      <section class="panel" aria-labelledby="components-heading">
        <h2 id="components-heading">Components</h2>
        <table class="compact">
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col" class="num">
                Weight
              </th>
              <th scope="col" class="num">
                Score
              </th>
              <th scope="col" class="num">
                Points
              </th>
              <th scope="col">Data</th>
            </tr>
          </thead>
          <tbody>
            {page.components.map((c) => (
              <tr key={c.name}>
                <th scope="row">{capitalize(c.name)}</th>
                <td class="num">{percent(c.weight)}</td>
                <td class="num">{c.normalized === null ? "–" : Math.round(c.normalized)}</td>
                <td class="num">{c.available ? c.contribution.toFixed(1) : "–"}</td>
                <td>{c.available ? "✓ has data" : "✗ no data: left out"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class="muted small">
          Coverage: {percent(page.coverage)} of the model's weight is backed by data.
        </p>
      </section>
      <div class="columns">
        <section class="panel" aria-labelledby="events-heading">
          <h2 id="events-heading">Recent events</h2>
          {page.events.length === 0 ? (
            <p class="muted">No events recorded.</p>
          ) : (
            <ul class="events">
              {page.events.map((e) => (
                <li key={`${e.at}|${e.text}`}>
                  <span class="muted small">
                    {dateTime(e.at)} · {e.source}
                  </span>
                  <span>{e.text}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="panel" aria-labelledby="alerts-heading">
          <h2 id="alerts-heading">Alerts sent</h2>
          <AlertList alerts={page.alerts} showCustomer={false} />
        </section>
      </div>
    </>
  );
}

function Reasons({ reasons, empty }: { reasons: readonly Reason[]; empty: string }) {
  if (reasons.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul class="reasons">
      {reasons.map((r) => (
        <li key={`${r.component}|${r.reason}`}>
          <span class={r.impact < 0 ? "impact down" : "impact up"}>
            {r.impact < 0 ? "▼" : "▲"} {signed(r.impact)}
          </span>{" "}
          {r.reason} <span class="muted small">({r.component})</span>
        </li>
      ))}
    </ul>
  );
}
