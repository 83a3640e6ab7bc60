/** The shapes the data routes send (one source: functions/dashboard/contract.ts). */
export type {
  AlertItem,
  AttentionItem,
  CustomerPage,
  CustomerRow,
  DashboardConfig,
  LiveMessage,
  Page,
  Portfolio,
  Reason,
} from "../../functions/dashboard/contract.ts";
export type { Tier } from "../../functions/domain/tiers.ts";
