/** The alert feed, newest first, with cursor pages; live tier changes refetch it. */
import { useState } from "preact/hooks";
import { TierBadge } from "../components/TierBadge.tsx";
import { useLive, useServices } from "../context.ts";
import { dateTime, scoreText } from "../format.ts";
import { useDebounced, useResource } from "../resource.ts";
import { customerHref } from "../router.ts";
import type { AlertItem } from "../types.ts";
import { ErrorNote, Loading } from "./common.tsx";

const KIND_LABEL: Record<AlertItem["kind"], string> = {
  tier: "Tier change",
  drop: "Score drop",
  flag: "Red flag",
};

export function Alerts() {
  const { api } = useServices();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const alerts = useResource(cursor ?? "", () => api.alerts(cursor));
  const refetch = useDebounced(alerts.reload, 1500);
  useLive((message) => {
    if (message.type === "score" && message.previousTier !== message.tier && cursors.length === 1)
      refetch();
  }, alerts.reload);
  const page = alerts.data;
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Alerts</h1>
      </div>
      {alerts.error && <ErrorNote error={alerts.error} retry={alerts.reload} />}
      {!page && !alerts.error && <Loading what="alerts" />}
      {page && (
        <section class="panel">
          <AlertList alerts={page.items} showCustomer />
          <nav class="pager" aria-label="Pages">
            <button
              type="button"
              disabled={cursors.length === 1}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              ← Newer
            </button>
            <button
              type="button"
              disabled={!page.cursor}
              onClick={() => page.cursor && setCursors([...cursors, page.cursor])}
            >
              Older →
            </button>
          </nav>
        </section>
      )}
    </>
  );
}

export function AlertList({
  alerts,
  showCustomer,
}: {
  alerts: readonly AlertItem[];
  showCustomer: boolean;
}) {
  if (alerts.length === 0) return <p class="muted">No alerts.</p>;
  return (
    <ol class="alerts">
      {alerts.map((a) => (
        <li key={`${a.at}|${a.accountId}|${a.kind}`}>
          <div class="alert-top">
            <span class="muted small">{dateTime(a.at)}</span>
            <span class="kind">{KIND_LABEL[a.kind]}</span>
            {showCustomer && <a href={customerHref(a.accountId)}>{a.displayName}</a>}
            {a.previousTier && a.previousTier !== a.tier && (
              <>
                <TierBadge tier={a.previousTier} /> <span aria-hidden="true">→</span>
                <span class="visually-hidden">to</span>
              </>
            )}
            <TierBadge tier={a.tier} />
            <span class="muted small">score {scoreText(a.score)}</span>
          </div>
          <p>{a.text}</p>
        </li>
      ))}
    </ol>
  );
}
