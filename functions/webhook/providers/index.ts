/**
 * One entry point from verified bytes to InboundEvents, whatever the provider.
 * Pure: no I/O, no clock; every payload that does not make sense throws
 * MalformedPayloadError with a short reason the caller may show.
 */
import { type InboundEvent, MalformedPayloadError, type MappingConfig } from "../inbound.ts";
import type { DeliveryHeaders } from "./provider.ts";
import { type Provider, providerNamed } from "./registry.ts";

export type { DeliveryHeaders } from "./provider.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

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

/** The JSON a body holds (UTF-8, a leading BOM dropped); MalformedPayloadError if none. */
export function parseJson(rawBody: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(rawBody);
  } catch {
    throw new MalformedPayloadError("body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedPayloadError("body is not valid JSON");
  }
}
