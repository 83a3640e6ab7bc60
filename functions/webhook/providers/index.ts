/**
 * One entry point from verified bytes to InboundEvents, whatever the provider.
 * Pure: no I/O, no clock; every payload that does not make sense throws
 * MalformedPayloadError with a short reason the caller may show.
 */
import type { Source } from "../../domain/signals.ts";
import { type InboundEvent, MalformedPayloadError, type MappingConfig } from "../inbound.ts";
import * as generic from "./generic.ts";
import * as segment from "./segment.ts";
import * as stripe from "./stripe.ts";
import * as typeform from "./typeform.ts";
import * as zendesk from "./zendesk.ts";

/** Request headers; names are matched case-insensitively. */
export type DeliveryHeaders = Readonly<Record<string, string | undefined>>;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses a verified delivery of `provider` into the events it carries. */
export function parseDelivery(
  provider: Source,
  rawBody: Buffer,
  config: MappingConfig,
  headers: DeliveryHeaders = {},
): InboundEvent[] {
  const body = parseJson(rawBody);
  switch (provider) {
    case "stripe":
      return stripe.parse(body, config);
    case "zendesk":
      return zendesk.parse(body, config);
    case "typeform":
      return typeform.parse(body, config);
    case "segment":
      return segment.parse(body, config);
    case "generic":
      return generic.parse(body, config, header(headers, "webhook-id"));
  }
}

function parseJson(rawBody: Buffer): unknown {
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

function header(headers: DeliveryHeaders, name: string): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}
