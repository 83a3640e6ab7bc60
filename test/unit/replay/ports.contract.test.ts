/** The replay ports' contracts on the in-memory implementations the use-case tests use. */
import { MemoryStore } from "../../../functions/adapters/memory/ingest-store.ts";
import {
  MemoryEventLog,
  MemoryRebuildTarget,
} from "../../../functions/adapters/memory/replay-store.ts";
import { eventLogContract, rebuildTargetContract } from "../../support/replay-ports-contract.ts";

eventLogContract("MemoryEventLog", async () => {
  const store = new MemoryStore();
  return {
    store,
    log: new MemoryEventLog(() => store.records.values(), 2),
    scored: async () => {},
  };
});

rebuildTargetContract("MemoryRebuildTarget", async () => {
  const target = new MemoryRebuildTarget();
  return {
    target,
    history: async (id) => [...(target.history.get(id)?.values() ?? [])],
    aggregate: async (id) => target.aggregates.get(id),
  };
});
