/** Data for a view: load, reload (live catch-up), and local edits from live messages. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  /** Fetches again, keeping what is shown until the answer arrives. */
  reload(): void;
  /** Changes what is shown (a live update) until the next load. */
  update(change: (data: T) => T): void;
}

/** Loads with `load` whenever `key` changes; an older answer never overwrites a newer one. */
export function useResource<T>(key: string, load: () => Promise<T>): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({
    loading: true,
  });
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current().then(
      (data) => {
        if (mine === generation.current) setState({ data, loading: false });
      },
      (error: Error) => {
        if (mine === generation.current) setState((s) => ({ ...s, error, loading: false }));
      },
    );
  }, []);

  useEffect(() => {
    setState({ loading: true });
    reload();
  }, [key, reload]);

  const update = useCallback((change: (data: T) => T) => {
    setState((s) => (s.data === undefined ? s : { ...s, data: change(s.data) }));
  }, []);

  return { data: state.data, error: state.error, loading: state.loading, reload, update };
}

/** Calls `fn` at most once per `ms`, after the last call (trailing debounce). */
export function useDebounced(fn: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => fnRef.current(), ms);
  }, [ms]);
}
