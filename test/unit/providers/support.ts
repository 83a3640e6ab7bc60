/** Fixtures, configuration and event factories shared by the provider adapter tests. */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { SignalValues } from "../../../functions/domain/signals.ts";
import {
  type InboundEvent,
  MalformedPayloadError,
  type MappingConfig,
} from "../../../functions/webhook/inbound.ts";

// biome-ignore lint/suspicious/noExplicitAny: fixtures are JSON documents edited freely in tests.
export type Json = any;

/** A payload from `test/fixtures` (see its README for provenance), parsed afresh on each call. */
export function fixture(path: string): Json {
  const url = new URL(`../../fixtures/${path}`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8"));
}

export function mappingConfig(overrides: Partial<MappingConfig> = {}): MappingConfig {
  return {
    typeform: { npsRef: "nps", csatRef: "csat", cesRef: "ces" },
    segment: { featureEvents: { "Report Exported": "reports" } },
    ...overrides,
  };
}

export const config = mappingConfig();

export function bytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), "utf8");
}

/** The one event a single delivery yields, with every signal checked against the domain schema. */
export function single(events: readonly InboundEvent[]): InboundEvent {
  expect(events).toHaveLength(1);
  const [event] = events;
  if (!event) throw new Error("no event");
  for (const values of event.signals) expect(SignalValues.safeParse(values).success).toBe(true);
  return event;
}

/** Asserts that `run` throws MalformedPayloadError whose reason matches `reason`. */
export function expectMalformed(run: () => unknown, reason?: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MalformedPayloadError);
  if (reason) expect((caught as Error).message).toMatch(reason);
}
