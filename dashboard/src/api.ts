/** The data routes (functions/dashboard/contract.ts), with the bearer token when signed in. */
import type {
  AlertItem,
  CustomerPage,
  CustomerRow,
  DashboardConfig,
  Page,
  Portfolio,
} from "./types.ts";

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CustomerQuery {
  readonly q?: string;
  readonly tier?: string;
  readonly segment?: string;
  readonly owner?: string;
  readonly renewalWithinDays?: string;
  readonly sort?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface Api {
  portfolio(filters: { segment?: string; owner?: string }): Promise<Portfolio>;
  customers(query: CustomerQuery): Promise<Page<CustomerRow>>;
  customer(accountId: string): Promise<CustomerPage>;
  alerts(cursor?: string): Promise<Page<AlertItem>>;
}

const query = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== "") search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : "";
};

/** A client of the routes at `config.apiBase`; `token()` is asked before every request. */
export function createApi(
  config: DashboardConfig,
  token: () => Promise<string | null>,
  fetchImpl: typeof fetch = fetch,
): Api {
  const get = async <T>(path: string): Promise<T> => {
    const bearer = await token();
    const response = await fetchImpl(`${config.apiBase}${path}`, {
      headers: {
        accept: "application/json",
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as { error?: string } | null;
      throw new ApiError(response.status, body?.error ?? `the server answered ${response.status}`);
    }
    return (await response.json()) as T;
  };
  return {
    portfolio: (filters) => get(`/dashboard/portfolio${query(filters)}`),
    customers: (q) => get(`/dashboard/customers${query({ ...q })}`),
    customer: (accountId) => get(`/dashboard/customers/${encodeURIComponent(accountId)}`),
    alerts: (cursor) => get(`/dashboard/alerts${query({ cursor })}`),
  };
}
