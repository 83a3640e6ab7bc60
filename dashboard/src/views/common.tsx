/** Small pieces the views share. */
import { ApiError } from "../api.ts";

export function Loading({ what }: { what: string }) {
  return <output class="muted loading">Loading {what}…</output>;
}

export function ErrorNote({ error, retry }: { error: Error; retry: () => void }) {
  const text =
    error instanceof ApiError && error.status === 404
      ? "Not found."
      : `Could not load this: ${error.message}.`;
  return (
    <div class="error" role="alert">
      <span>{text}</span>{" "}
      <button type="button" onClick={retry}>
        Try again
      </button>
    </div>
  );
}

export function FilterSelect(props: {
  label: string;
  value: string;
  options: readonly string[];
  onChange: (value: string) => void;
  anyLabel?: string;
}) {
  const id = `filter-${props.label.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <span class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
      >
        <option value="">{props.anyLabel ?? "All"}</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </span>
  );
}
