// A worker thread does not inherit tsx's loader from its parent: register it, then run
// the TypeScript entry named by the parent (lib/quality/backtest/worker.ts).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
