/**
 * What one webhook provider is: everything about it lives in its folder
 * (`<name>/schema.ts`, `map.ts`, `verify.ts`, `index.ts`), and `registry.ts` lists them.
 * Routes, secrets, topology, the local runtime and the README table all derive from here.
 */
import type { InboundEvent, MappingConfig } from "../inbound.ts";
import type { Verifier } from "./signature.ts";

/** Request headers; names are matched case-insensitively. */
export type DeliveryHeaders = Readonly<Record<string, string | undefined>>;

export interface WebhookProvider<Name extends string = string> {
  /**
   * Route segment (`POST /webhooks/{name}`), key in the Secrets Manager JSON, and the
   * `source` of its events (with the event id, the dedupe key: never rename one in use).
   */
  readonly name: Name;
  /** The local environment variable holding its comma-separated secrets. */
  readonly secretEnv: string;
  /** The secret `npm start` uses when `secretEnv` is unset; printed as a dev default. */
  readonly devSecret: string;
  /** How its signature is checked, for the README's Webhooks table (Markdown). */
  readonly signatureDoc: string;
  /** Checks the signature over the exact bytes received. */
  readonly verify: Verifier;
  /** Maps a verified, JSON-parsed body to the events it carries (throws MalformedPayloadError). */
  readonly parse: (
    body: unknown,
    config: MappingConfig,
    headers: DeliveryHeaders,
  ) => InboundEvent[];
}

/** A header's value, its name matched case-insensitively. */
export function headerOf(headers: DeliveryHeaders, name: string): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}
