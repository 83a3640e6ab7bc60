/**
 * A plain-text progress bar on stderr: accounts done of total and events per second.
 * On a terminal it redraws one line; otherwise (a log, CI) it prints a line every few
 * seconds and at the end, so a long run shows it is alive without flooding the log.
 */
import type { ReplayProgress } from "../../functions/replay/replay.ts";

const WIDTH = 24;
const LOG_EVERY_MS = 5_000;

export function progressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): { update(p: ReplayProgress): void; end(): void } {
  const started = Date.now();
  let lastLogged = 0;
  let last = "";
  const render = (p: ReplayProgress) => {
    const share = p.total === 0 ? 1 : p.done / p.total;
    const filled = Math.round(share * WIDTH);
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const rate = Math.round(p.events / seconds);
    return `${label} [${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${p.done}/${p.total} accounts, ${p.events.toLocaleString("en-US")} events, ${rate.toLocaleString("en-US")} events/s${p.failed > 0 ? `, ${p.failed} failed` : ""}`;
  };
  return {
    update(p) {
      last = render(p);
      if (stream.isTTY) stream.write(`\r${last}\u001b[K`);
      else if (Date.now() - lastLogged >= LOG_EVERY_MS || p.done === p.total) {
        lastLogged = Date.now();
        stream.write(`${last}\n`);
      }
    },
    end() {
      if (stream.isTTY && last !== "") stream.write("\n");
    },
  };
}
