/** In-memory DigestStore with the DynamoDB store's semantics (idempotent by event id). */
import type { DigestEntry, DigestStore } from "../../alerts/digest.ts";

export class MemoryDigestStore implements DigestStore {
  /** Entries by `channel|day`, then by event id. */
  readonly days = new Map<string, Map<string, DigestEntry>>();

  async record(channel: string, day: string, entry: DigestEntry): Promise<void> {
    const key = `${channel}|${day}`;
    const entries = this.days.get(key) ?? new Map<string, DigestEntry>();
    entries.set(entry.eventId, structuredClone(entry));
    this.days.set(key, entries);
  }

  async entries(channel: string, day: string): Promise<DigestEntry[]> {
    return [...(this.days.get(`${channel}|${day}`)?.values() ?? [])].map((e) => structuredClone(e));
  }
}
