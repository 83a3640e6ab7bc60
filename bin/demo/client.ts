/**
 * The demo's view of a running stack: signed webhook deliveries over HTTP, and the read and
 * admin API. Counts what it sends and what the stack answers.
 */
import type { Provider as Source } from "../../functions/webhook/providers/registry.ts";
import { signedHeaders } from "../../test/support/webhooks.ts";
import type { Delivery, Thread } from "./scenario.ts";

export type Outcome = "accepted" | "duplicate" | "ignored" | "unmatched";

export interface SendStats {
  sent: number;
  readonly byProvider: Record<Source, number>;
  /** Resends of an earlier delivery (same id and bytes), sent on purpose. */
  duplicatesSent: number;
  /** Deliveries older than one already sent in the same thread (same ticket, invoice…). */
  outOfOrder: number;
  readonly outcomes: Record<Outcome, number>;
  /** Attempts repeated after a 5xx or a network error, as a tool would. */
  retries: number;
  readonly failures: { label: string; status: number; reason: string }[];
  seconds: number;
}

export const emptyStats = (): SendStats => ({
  sent: 0,
  byProvider: { stripe: 0, zendesk: 0, typeform: 0, segment: 0, generic: 0 },
  duplicatesSent: 0,
  outOfOrder: 0,
  outcomes: { accepted: 0, duplicate: 0, ignored: 0, unmatched: 0 },
  retries: 0,
  failures: [],
  seconds: 0,
});

/** A customer as GET /customers?tier=… lists it. */
export interface ListedCustomer {
  readonly accountId: string;
  readonly accountName: string | null;
  readonly score: number | null;
  readonly tier: string;
  readonly coverage: number;
  readonly topDriver: string | null;
  readonly computedAt: string;
}

/** GET /customers/{id}. */
export interface CustomerDetail extends ListedCustomer {
  readonly owner: string | null;
  readonly segment: string;
  readonly drivers: { component: string; impact: number; reason: string }[];
  readonly components: {
    name: string;
    available: boolean;
    /** The measurements behind the component, by metric. */
    raw: Record<string, number>;
    normalized: number | null;
    weight: number;
    contribution: number;
  }[];
  readonly version: number;
  /** Daily points, oldest first, over the API's 90 days. */
  readonly history?: readonly { readonly day: string; readonly score: number | null }[];
}

export const TIERS = ["critical", "at-risk", "healthy", "unknown"] as const;

export class StackClient {
  constructor(
    readonly baseUrl: string,
    private readonly secrets: Record<Source, string>,
  ) {}

  /** True when something answers HTTP at the base URL. */
  static async answers(baseUrl: string): Promise<boolean> {
    try {
      const res = await fetch(`${baseUrl}/customers?tier=healthy&limit=1`, {
        signal: AbortSignal.timeout(2000),
      });
      await res.arrayBuffer();
      return true;
    } catch {
      return false;
    }
  }

  /** Sends one delivery signed "now"; retries 5xx and network errors like a tool would. */
  async send(delivery: Delivery, stats: SendStats): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const headers = signedHeaders(
        delivery.provider,
        delivery.body,
        Date.now(),
        this.secrets[delivery.provider],
        delivery.eventId,
      );
      let status = 0;
      let text = "";
      try {
        const res = await fetch(`${this.baseUrl}/webhooks/${delivery.provider}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: delivery.body,
        });
        status = res.status;
        text = await res.text();
      } catch (error) {
        text = (error as Error).message;
      }
      if (status === 200) {
        const answer = JSON.parse(text) as { results: { outcome: Outcome }[] };
        for (const { outcome } of answer.results) {
          stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
        }
        return;
      }
      if ((status === 0 || status >= 500) && attempt < 4) {
        stats.retries++;
        await new Promise((r) => setTimeout(r, 250 * attempt));
        continue;
      }
      stats.failures.push({ label: delivery.label, status, reason: text.slice(0, 200) });
      return;
    }
  }

  /** Sends threads, `concurrency` at a time; each thread's deliveries one after the other. */
  async sendThreads(
    threads: readonly Thread[],
    concurrency: number,
    stats: SendStats,
    onProgress?: (sent: number) => void,
  ): Promise<void> {
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < threads.length) {
          const thread = threads[next++] as Thread;
          let newest = Number.NEGATIVE_INFINITY;
          for (const delivery of thread.deliveries) {
            if (delivery.at < newest) stats.outOfOrder++;
            newest = Math.max(newest, delivery.at);
            if (delivery.duplicate) stats.duplicatesSent++;
            stats.sent++;
            stats.byProvider[delivery.provider]++;
            await this.send(delivery, stats);
            onProgress?.(stats.sent);
          }
        }
      }),
    );
    stats.seconds += (performance.now() - started) / 1000;
  }

  /** PUT /accounts/{id}/aliases: how many waiting events it applied. */
  async putAliases(accountId: string, body: object): Promise<number> {
    const res = await fetch(`${this.baseUrl}/accounts/${encodeURIComponent(accountId)}/aliases`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { applied?: number; error?: string };
    if (res.status !== 200) {
      throw new Error(`PUT aliases for ${accountId}: ${res.status} ${answer.error ?? ""}`);
    }
    return answer.applied ?? 0;
  }

  /** Every scored customer, from GET /customers?tier=… for each tier. */
  async listAll(): Promise<ListedCustomer[]> {
    const all: ListedCustomer[] = [];
    for (const tier of TIERS) {
      let cursor: string | null = null;
      do {
        const query: string = `tier=${tier}&limit=200${cursor ? `&cursor=${cursor}` : ""}`;
        const page = (await this.getJson(`/customers?${query}`)) as {
          customers: ListedCustomer[];
          cursor: string | null;
        };
        all.push(...page.customers);
        cursor = page.cursor;
      } while (cursor);
    }
    return all;
  }

  /** GET /customers/{id}, or null for a customer the stack does not know. */
  async customer(accountId: string): Promise<CustomerDetail | null> {
    const res = await fetch(`${this.baseUrl}/customers/${encodeURIComponent(accountId)}`);
    if (res.status === 404) {
      await res.arrayBuffer();
      return null;
    }
    if (res.status !== 200) throw new Error(`GET /customers/${accountId}: ${res.status}`);
    return (await res.json()) as CustomerDetail;
  }

  /** GET /unmatched, every page. */
  async unmatched(): Promise<
    { source: string; type: string; refs: { kind: string; id: string }[] }[]
  > {
    const all = [];
    let cursor: string | null = null;
    do {
      const page = (await this.getJson(
        `/unmatched?limit=200${cursor ? `&cursor=${cursor}` : ""}`,
      )) as {
        events: { source: string; type: string; refs: { kind: string; id: string }[] }[];
        cursor: string | null;
      };
      all.push(...page.events);
      cursor = page.cursor;
    } while (cursor);
    return all;
  }

  /**
   * Waits until no score changes for `quietMs` (the stream has caught up): what an outside
   * observer can do without the in-process `settle()`.
   */
  async waitUntilStable(quietMs = 3000, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    let since = Date.now();
    while (Date.now() < deadline) {
      const fingerprint = (await this.listAll())
        .map((c) => `${c.accountId}@${c.computedAt}`)
        .sort()
        .join(",");
      if (fingerprint !== last) {
        last = fingerprint;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) {
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  private async getJson(path: string): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }
}
