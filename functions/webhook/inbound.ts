/**
 * What a provider adapter makes of one delivered event, before identity resolution.
 * Adapters are pure: bytes in (already verified), InboundEvent[] out.
 */
import type { SignalValues } from "../domain/signals.ts";
import type { Provider } from "./providers/registry.ts";

/** Kinds of external ids that can be aliased to one of our accounts. */
export const ALIAS_KINDS = ["stripe", "zendesk", "segment", "domain"] as const;
export type AliasKind = (typeof ALIAS_KINDS)[number];

/** A tool's own id for a customer (Stripe `cus_…`, Zendesk organization id, an email domain…). */
export interface ExternalRef {
  readonly kind: AliasKind;
  readonly id: string;
}

/** The key of a ref: its kind and id (kinds hold no `:`). */
export const refKey = (ref: ExternalRef) => `${ref.kind}:${ref.id}`;

/** Refs without repeats (and without the nulls of absent ids), in their first order. */
export function uniqueRefs(refs: readonly (ExternalRef | null)[]): ExternalRef[] {
  const unique = new Map<string, ExternalRef>();
  for (const ref of refs)
    if (ref !== null && !unique.has(refKey(ref))) unique.set(refKey(ref), ref);
  return [...unique.values()];
}

export interface InboundEvent {
  readonly source: Provider;
  /** The provider's event id: the dedupe key within `source`. */
  readonly eventId: string;
  /** The provider's event type, for logs and counts (`invoice.paid`, `form_response`…). */
  readonly type: string;
  /** When it happened at the source, epoch milliseconds. */
  readonly occurredAt: number;
  /** An explicit account id carried by the payload, if any. */
  readonly accountId: string | null;
  /** Tool ids for this customer, most specific first: resolve through aliases, or learn them. */
  readonly refs: readonly ExternalRef[];
  /** What the event means; empty for events that only teach aliases. */
  readonly signals: readonly SignalValues[];
  /** True when the event type is not one we apply (acknowledged and counted only). */
  readonly ignored: boolean;
}

/** Settings the adapters read from the model file. */
export interface MappingConfig {
  readonly typeform: { readonly npsRef: string; readonly csatRef: string; readonly cesRef: string };
  /** Segment track event name to feature key; `properties.feature` also names a feature. */
  readonly segment: { readonly featureEvents: Readonly<Record<string, string>> };
}

/** A body that verified but does not make sense: answered 400 with `reason`. */
export class MalformedPayloadError extends Error {
  override readonly name = "MalformedPayloadError";
}

/** A delivery carrying more events than one request may: answered 413 with `reason`. */
export class TooManyEventsError extends Error {
  override readonly name = "TooManyEventsError";
}

/** Largest webhook body accepted, bytes (413 above); providers send far less. */
export const MAX_BODY_BYTES = 1024 * 1024;
