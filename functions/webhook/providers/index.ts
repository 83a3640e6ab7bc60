/**
 * One entry point from verified bytes to InboundEvents, whatever the provider.
 * Pure: no I/O, no clock; every payload that does not make sense throws
 * MalformedPayloadError with a short reason the caller may show.
 */
import { type InboundEvent, MalformedPayloadError, type MappingConfig } from "../inbound.ts";
import { parseJson } from "./common.ts";
import type { DeliveryHeaders } from "./provider.ts";
import { type Provider, providerNamed } from "./registry.ts";

export type { DeliveryHeaders } from "./provider.ts";

/** Parses a verified delivery of `provider` into the events it carries. */
export function parseDelivery(
  provider: Provider,
  rawBody: Buffer,
  config: MappingConfig,
  headers: DeliveryHeaders = {},
): InboundEvent[] {
  const adapter = providerNamed(provider);
  if (adapter === undefined) throw new MalformedPayloadError("unknown provider");
  return adapter.parse(parseJson(rawBody), config, headers);
}
