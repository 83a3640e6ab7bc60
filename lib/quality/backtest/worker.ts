/** Worker thread entry: replays one shard of the accounts and posts its result. */
import { parentPort, workerData } from "node:worker_threads";
import type { Model } from "../domain.ts";
import type { Shard } from "./load.ts";
import { type BacktestInput, runShard } from "./run.ts";

const { input, shard, models } = workerData as {
  input: BacktestInput;
  shard: Shard;
  models: Model[];
};
parentPort?.postMessage(await runShard(input, shard, models));
