import { MemoryStore } from "../../functions/adapters/memory/ingest-store.ts";
import { ingestStoreContract } from "../support/ingest-store-contract.ts";

ingestStoreContract("in memory", async () => {
  const store = new MemoryStore();
  return {
    store,
    aggregate: async (accountId) => store.aggregates.get(accountId),
    record: async (source, eventId) => store.records.get(`${source}#${eventId}`),
    ignoredCount: async (source, type) => store.ignoredCounts.get(`${source}#${type}`) ?? 0,
  };
});
