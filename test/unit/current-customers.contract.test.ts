import { MemoryCurrentCustomers } from "../../functions/adapters/memory/current-customers.ts";
import { currentCustomersContract } from "../support/current-customers-contract.ts";

currentCustomersContract("in memory", {
  store: async (pageSize) => {
    const customers = new MemoryCurrentCustomers(pageSize);
    return {
      customers,
      putAggregate: async (aggregate) => {
        customers.aggregates.set(aggregate.accountId, aggregate);
      },
      putScore: async (score) => {
        customers.scores.set(score.accountId, score);
      },
    };
  },
});
