/**
 * Segment webhook destination (Classic bodies, one message or a JSON array batch) →
 * usage, feature, activity and profile signals.
 *
 * The message envelope (`type`, `messageId`, timestamps, `userId`, `groupId`, `event`)
 * is validated strictly. Traits and properties are the sender's own free-form data: a
 * trait of an unexpected shape is skipped rather than failing the delivery, because one
 * odd trait would otherwise reject a whole batch.
 *
 * Traits read into `profile`:
 * - group: `name`, `plan`, `seats`, `owner` (or `account_owner`);
 * - identify: the user's `company` (`company.name`, or `company` as a string), `plan`
 *   (or `company.plan`), `seats`, `owner` (or `account_owner`). The identify `name` is
 *   the person's name, not the account's, so it is not read.
 * `employees` is head count, not licensed seats, so it never becomes `seats`.
 */
import type { SignalValues } from "../../../domain/signals.ts";
import type { ExternalRef, InboundEvent, MappingConfig } from "../../inbound.ts";
import { MalformedPayloadError, TooManyEventsError, uniqueRefs } from "../../inbound.ts";
import {
  accountIdOf,
  emailDomain,
  idOf,
  ignoredEvent,
  isoMillis,
  parseWith,
  signal,
} from "../common.ts";
import { SegmentMessage } from "./schema.ts";

type Bag = Readonly<Record<string, unknown>>;

/**
 * Most messages one batch may carry (413 above). Each message is written on its own, so
 * the limit keeps a request well inside the webhook function's timeout.
 */
export const MAX_BATCH_MESSAGES = 100;

/** Maps one verified Segment delivery; every message of a batch must be valid. */
export function parse(body: unknown, config: MappingConfig): InboundEvent[] {
  if (Array.isArray(body)) {
    if (body.length > MAX_BATCH_MESSAGES) {
      throw new TooManyEventsError(
        `segment batch of ${body.length} messages is above the limit of ${MAX_BATCH_MESSAGES} per request`,
      );
    }
    // Each message's faults name its place in the batch: "segment message 37: …".
    return body.map((message, i) => {
      const what = `segment message ${i}`;
      return mapMessage(parseWith(SegmentMessage, message, what), config, what);
    });
  }
  const what = "segment message";
  return [mapMessage(parseWith(SegmentMessage, body, what), config, what)];
}

function mapMessage(message: SegmentMessage, config: MappingConfig, what: string): InboundEvent {
  const timeField = message.timestamp ? "timestamp" : message.sentAt ? "sentAt" : "receivedAt";
  const at = message[timeField];
  if (!at) throw new MalformedPayloadError(`${what}: timestamp is required`);
  const occurredAt = isoMillis(at, `${what}: ${timeField}`);
  const { type, messageId } = message;
  const properties: Bag = message.properties ?? {};
  const traits: Bag = message.traits ?? {};

  let signals: SignalValues[];
  switch (type) {
    case "track":
      signals = trackSignals(message, properties, config, what);
      break;
    case "identify":
      signals = profileSignals(identifyProfile(traits));
      break;
    case "group":
      if (message.groupId == null) {
        throw new MalformedPayloadError(`${what}: groupId is required for group`);
      }
      signals = profileSignals(groupProfile(traits));
      break;
    case "page":
    case "screen":
      signals = [signal({ kind: "active" })];
      break;
    default:
      return ignoredEvent("segment", messageId, type, occurredAt);
  }

  const accountId =
    optionalId(message.groupId) ??
    optionalId(message.context?.groupId) ??
    looseId(properties.account_id, what, "properties.account_id") ??
    looseId(traits.account_id, what, "traits.account_id");
  const refs = uniqueRefs([
    message.userId != null ? { kind: "segment", id: idOf(message.userId) } : null,
    // Offered to resolve, never to teach: with a known account, ingestion would learn the
    // domain as an alias, and one person's gmail.com must not become a customer's domain.
    accountId === null ? domainRef(traits.email ?? message.context?.traits?.email) : null,
  ]);
  // An event that neither applies a signal nor can teach an alias has nothing to do.
  const teaches = accountId !== null && refs.length > 0;
  if (signals.length === 0 && !teaches) return ignoredEvent("segment", messageId, type, occurredAt);
  return {
    source: "segment",
    eventId: messageId,
    type,
    occurredAt,
    accountId,
    refs,
    signals,
    ignored: false,
  };
}

function trackSignals(
  message: SegmentMessage,
  properties: Bag,
  config: MappingConfig,
  what: string,
) {
  const event = message.event;
  if (!event) throw new MalformedPayloadError(`${what}: event is required for track`);
  const count = properties.count;
  const signals: SignalValues[] = [
    signal({
      kind: "usage",
      event,
      // A custom `count` outside 1..1e6 is someone else's meaning of the word: count once.
      count:
        typeof count === "number" && Number.isInteger(count) && count >= 1 && count <= 1_000_000
          ? count
          : 1,
    }),
  ];
  // hasOwn: an event named "constructor" must not find Object.prototype's.
  const feature = Object.hasOwn(config.segment.featureEvents, event)
    ? config.segment.featureEvents[event]
    : shortString(properties.feature);
  if (feature) signals.push(signal({ kind: "feature_used", feature }));
  return signals;
}

interface Profile {
  readonly name?: string | undefined;
  readonly plan?: string | undefined;
  readonly seats?: number | undefined;
  readonly owner?: string | undefined;
}

function groupProfile(traits: Bag): Profile {
  return {
    name: shortString(traits.name),
    plan: shortString(traits.plan),
    seats: count(traits.seats),
    owner: shortString(traits.owner) ?? shortString(traits.account_owner),
  };
}

function identifyProfile(traits: Bag): Profile {
  const company = isBag(traits.company) ? traits.company : {};
  return {
    name: shortString(company.name) ?? shortString(traits.company),
    plan: shortString(traits.plan) ?? shortString(company.plan),
    seats: count(traits.seats),
    owner: shortString(traits.owner) ?? shortString(traits.account_owner),
  };
}

function profileSignals(profile: Profile): SignalValues[] {
  const known = Object.values(profile).some((value) => value !== undefined);
  return known ? [signal({ kind: "profile", ...profile })] : [];
}

function isBag(value: unknown): value is Bag {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A trait usable as a signal string (1-512 characters), else undefined. */
function shortString(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed.length > 0 && trimmed.length <= 512 ? trimmed : undefined;
}

/** A non-negative integer trait, also when sent as a numeric string. */
function count(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d{1,9}$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 1e9 ? n : undefined;
}

function optionalId(id: string | number | null | undefined): string | null {
  return id == null ? null : idOf(id);
}

/** An account id from free-form data: a non-empty string (the id rule) or an integer. */
function looseId(value: unknown, what: string, field: string): string | null {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  return typeof value === "string" ? accountIdOf(value.trim(), what, field) : null;
}

function domainRef(email: unknown): ExternalRef | null {
  const domain = emailDomain(email);
  return domain ? { kind: "domain", id: domain } : null;
}
