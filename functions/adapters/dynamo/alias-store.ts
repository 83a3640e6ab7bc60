/**
 * DynamoDB implementation of the alias store. An alias is one item per tool id, written
 * conditionally so that two accounts can never both claim it. Waiting events are applied in
 * batches: one TransactWriteItems per batch checks that the alias still names the account,
 * marks each event applied (only if it is still unmatched: exactly once), removes its entries
 * from the per-ref index, and adds the batch's merged update to the aggregate.
 */
import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type {
  AliasChange,
  AliasOwner,
  AliasStore,
  ApplyWaitingResult,
  SaveAliasesResult,
  UnmatchedPosition,
  WaitingEvent,
} from "../../aliases/aliases.ts";
import type { AggregateUpdate } from "../../domain/aggregate.ts";
import { type ExternalRef, refKey, uniqueRefs } from "../../webhook/inbound.ts";
import type { EventRecord } from "../../webhook/ingest.ts";
import { aggregateWriteItems, readRegisterSnapshot } from "./aggregate-writes.ts";
import {
  ALIAS_SK,
  aliasPk,
  EVENT_SK,
  eventLogKeys,
  eventPk,
  UNMATCHED_GSI_PK,
  UNMATCHED_INDEX,
  unmatchedPk,
  unmatchedSk,
} from "./keys.ts";
import { StorageError } from "./storage-error.ts";
import {
  backoff,
  batchGetAll,
  type Key,
  MAX_TRANSACTION_ITEMS,
  sleep,
  type TransactItem,
  transactionCodes,
} from "./transactions.ts";
import { batches, toRecord } from "./waiting-batches.ts";

export interface AliasStoreOptions {
  readonly tableName: string;
  /** Attempts when transactions conflict with concurrent writes to the same items. */
  readonly maxAttempts?: number;
}

const aliasKey = (ref: ExternalRef): Key => ({ pk: aliasPk(ref.kind, ref.id), sk: ALIAS_SK });

export class DynamoAliasStore implements AliasStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #maxAttempts: number;

  constructor(db: DynamoDBDocumentClient, options: AliasStoreOptions) {
    this.#db = db;
    this.#table = options.tableName;
    this.#maxAttempts = options.maxAttempts ?? 6;
  }

  async resolveAliases(refs: readonly ExternalRef[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const item of await this.#read(uniqueRefs(refs).map(aliasKey))) {
      found.set(
        refKey({ kind: item.kind as ExternalRef["kind"], id: String(item.externalId) }),
        String(item.accountId),
      );
    }
    return found;
  }

  async saveAliases(
    accountId: string,
    refs: readonly ExternalRef[],
    options: { readonly move?: boolean } = {},
  ): Promise<SaveAliasesResult> {
    const unique = uniqueRefs(refs);
    if (unique.length > MAX_TRANSACTION_ITEMS) {
      throw new RangeError(`at most ${MAX_TRANSACTION_ITEMS} aliases are saved at once`);
    }
    for (let attempt = 1; ; attempt++) {
      const owners = await this.resolveAliases(unique);
      const conflicts: AliasOwner[] = [];
      const changes: AliasChange[] = [];
      const writes: TransactItem[] = [];
      for (const ref of unique) {
        const owner = owners.get(refKey(ref));
        if (owner === accountId) {
          changes.push({ ref, change: "unchanged" });
          continue;
        }
        if (owner !== undefined) conflicts.push({ ref, accountId: owner });
        changes.push(
          owner === undefined
            ? { ref, change: "registered" }
            : { ref, change: "moved", from: owner },
        );
        writes.push(this.#putAlias(ref, accountId, owner));
      }
      if (conflicts.length > 0 && options.move !== true) return { saved: false, conflicts };
      if (writes.length === 0) return { saved: true, changes };
      const reasons = await transactionCodes(this.#db, writes);
      if (reasons === null) return { saved: true, changes };
      // Someone claimed or moved one of these aliases since we read them: read again, so the
      // loser of a race sees the winner as the owner.
      if (attempt >= this.#maxAttempts) throw new StorageError("saving aliases kept conflicting");
      if (!reasons.includes("ConditionalCheckFailed")) await sleep(backoff(attempt));
    }
  }

  async unmatchedFor(ref: ExternalRef, limit: number): Promise<EventRecord[]> {
    const pk = unmatchedPk(ref.kind, ref.id);
    // Index entries whose event is no longer waiting are removed and the page read again.
    for (let round = 0; round < 3; round++) {
      const out = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": pk },
          ProjectionExpression: "sk",
          Limit: limit,
          ConsistentRead: true,
        }),
      );
      const entries = (out.Items ?? []).map((item) => String(item.sk));
      const found = new Map(
        (await this.#read(entries.map((sk) => ({ pk: sk, sk: EVENT_SK })))).map((item) => [
          String(item.pk),
          item,
        ]),
      );
      const records: EventRecord[] = [];
      const stale: string[] = [];
      for (const sk of entries) {
        const item = found.get(sk);
        if (item?.status === "unmatched") records.push(toRecord(item));
        else stale.push(sk);
      }
      if (stale.length === 0 || records.length > 0) return records;
      await Promise.all(
        stale.map((sk) =>
          this.#db.send(new DeleteCommand({ TableName: this.#table, Key: { pk, sk } })),
        ),
      );
    }
    return [];
  }

  async countUnmatchedFor(ref: ExternalRef): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": unmatchedPk(ref.kind, ref.id) },
          Select: "COUNT",
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async applyWaiting(
    ref: ExternalRef,
    accountId: string,
    events: readonly WaitingEvent[],
  ): Promise<ApplyWaitingResult> {
    let applied = 0;
    for (const batch of batches(events)) {
      const result = await this.#applyBatch(ref, accountId, batch);
      applied += result.applied;
      if (result.ownerNow !== undefined) return { applied, ownerNow: result.ownerNow };
    }
    return { applied };
  }

  async applyUnmatched(
    record: EventRecord,
    accountId: string,
    update: AggregateUpdate,
  ): Promise<boolean> {
    return (await this.#applyBatch(null, accountId, [{ record, update }])).applied === 1;
  }

  async listUnmatched(limit: number, after?: UnmatchedPosition | null) {
    const out = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        IndexName: UNMATCHED_INDEX,
        KeyConditionExpression: after
          ? "unmatchedPk = :pk AND unmatchedSk > :after"
          : "unmatchedPk = :pk",
        ExpressionAttributeValues: {
          ":pk": UNMATCHED_GSI_PK,
          ...(after
            ? { ":after": unmatchedSk(after.receivedAt, after.source, after.eventId) }
            : {}),
        },
        // One beyond the page tells whether another follows; a read cut at 1 MB also does.
        Limit: limit + 1,
      }),
    );
    const read = (out.Items ?? []).map(toRecord);
    const records = read.slice(0, limit);
    const last = records[records.length - 1];
    const more = read.length > limit || out.LastEvaluatedKey !== undefined;
    const next: UnmatchedPosition | null =
      more && last
        ? { receivedAt: last.receivedAt, source: last.source, eventId: last.eventId }
        : null;
    return { records, next };
  }

  /**
   * One batch in one transaction, retried on conflicts. With `ref`, only while its alias
   * still names `accountId`. Events applied meanwhile by someone else drop out of the batch.
   */
  async #applyBatch(
    ref: ExternalRef | null,
    accountId: string,
    batch: readonly WaitingEvent[],
  ): Promise<ApplyWaitingResult> {
    let pending = [...batch];
    // Each round either commits, drops events taken meanwhile, re-reads registers written
    // meanwhile or backs off from a conflict; the bound covers all of them.
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > this.#maxAttempts + batch.length) {
        throw new StorageError("applying waiting events kept conflicting");
      }
      const updates = pending.map((event) => event.update);
      const snapshot = await readRegisterSnapshot(
        this.#db,
        this.#table,
        accountId,
        updates,
        this.#maxAttempts,
      );
      const head: TransactItem[] = ref ? [this.#ownerCheck(ref, accountId)] : [];
      const aggregate = aggregateWriteItems(this.#table, accountId, updates, snapshot);
      const items = [
        ...head,
        ...aggregate,
        ...pending.flatMap((event) => this.#markApplied(event.record, accountId)),
      ];
      const reasons = await transactionCodes(this.#db, items);
      if (reasons === null) return { applied: pending.length };
      if (ref && reasons[0] === "ConditionalCheckFailed") {
        return {
          applied: 0,
          ownerNow: (await this.resolveAliases([ref])).get(refKey(ref)) ?? null,
        };
      }
      // Map each event's first item (its record update) back to the event.
      let index = head.length + aggregate.length;
      const gone = new Set<WaitingEvent>();
      for (const event of pending) {
        if (reasons[index] === "ConditionalCheckFailed") gone.add(event);
        index += 1 + uniqueRefs(event.record.refs).length;
      }
      pending = pending.filter((event) => !gone.has(event));
      const registersMoved = reasons
        .slice(head.length, head.length + aggregate.length)
        .includes("ConditionalCheckFailed");
      // Registers written meanwhile are read again on the next round; a plain conflict waits.
      if (gone.size === 0 && !registersMoved) await sleep(backoff(attempt));
    }
    return { applied: 0 };
  }

  #putAlias(ref: ExternalRef, accountId: string, previousOwner: string | undefined): TransactItem {
    return {
      Put: {
        TableName: this.#table,
        Item: { ...aliasKey(ref), kind: ref.kind, externalId: ref.id, accountId },
        // Written only over what we read: a concurrent claim or move makes this one fail.
        ...(previousOwner === undefined
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : {
              ConditionExpression: "accountId = :previous",
              ExpressionAttributeValues: { ":previous": previousOwner },
            }),
      },
    };
  }

  #ownerCheck(ref: ExternalRef, accountId: string): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.#table,
        Key: aliasKey(ref),
        ConditionExpression: "accountId = :account",
        ExpressionAttributeValues: { ":account": accountId },
      },
    };
  }

  /** The record update (only if still unmatched) and the removal of its index entries. */
  #markApplied(record: EventRecord, accountId: string): TransactItem[] {
    const sk = eventPk(record.source, record.eventId);
    return [
      {
        Update: {
          TableName: this.#table,
          Key: { pk: sk, sk: EVENT_SK },
          ConditionExpression: "#status = :unmatched",
          // Applied now: it joins its account's event log (eventLogKeys), as if applied at once.
          UpdateExpression:
            "SET #status = :applied, accountId = :account, logPk = :logPk, logSk = :logSk REMOVE unmatchedPk, unmatchedSk",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":unmatched": "unmatched",
            ":applied": "applied",
            ":account": accountId,
            ...prefixed(eventLogKeys(accountId, record)),
          },
        },
      },
      ...uniqueRefs(record.refs).map(
        (ref): TransactItem => ({
          Delete: { TableName: this.#table, Key: { pk: unmatchedPk(ref.kind, ref.id), sk } },
        }),
      ),
    ];
  }

  /** Consistent reads of `keys`, any number of them. */
  #read(keys: readonly Key[]) {
    return batchGetAll(this.#db, this.#table, keys, this.#maxAttempts);
  }
}

/** `{logPk, logSk}` as expression values `:logPk`, `:logSk`. */
const prefixed = (keys: Record<string, string>) =>
  Object.fromEntries(Object.entries(keys).map(([k, v]) => [`:${k}`, v]));
