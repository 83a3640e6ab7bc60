/** What every view shares: the data routes, the live feed, and a polite announcer. */
import { createContext } from "preact";
import { useContext, useEffect, useRef } from "preact/hooks";
import type { Api } from "./api.ts";
import type { LiveFeed } from "./live.ts";
import type { LiveMessage } from "./types.ts";

export interface AppServices {
  readonly api: Api;
  readonly live: LiveFeed;
  /** Reads a sentence to screen readers (an aria-live region). */
  readonly announce: (text: string) => void;
}

export const Services = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const services = useContext(Services);
  if (!services) throw new Error("useServices outside <Services.Provider>");
  return services;
}

/** Runs `onMessage` for each live message and `onReconnect` after each reconnect. */
export function useLive(onMessage: (message: LiveMessage) => void, onReconnect: () => void) {
  const { live } = useServices();
  const handlers = useRef({ onMessage, onReconnect });
  handlers.current = { onMessage, onReconnect };
  useEffect(() => {
    const offMessage = live.onMessage((m) => handlers.current.onMessage(m));
    const offReconnect = live.onReconnect(() => handlers.current.onReconnect());
    return () => {
      offMessage();
      offReconnect();
    };
  }, [live]);
}
