/**
 * Turns a domain AggregateUpdate into one DynamoDB UpdateItem on the aggregate item.
 * Counters and decayed sums become `ADD n :v`, sets `ADD s :set`, and registers
 * `SET l = :v` guarded by a condition that the stored register is older (design decision 2)
 * by the domain's own rule, `isNewer`: source time, then lifecycle rank, then event id.
 */
import { type AggregateUpdate, isNewer, type LatestValue } from "../../domain/aggregate.ts";

export interface UpdateExpressionParts {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/**
 * The UpdateItem parts for an aggregate update. `registers` names the registers to write
 * (default: all of them); each is conditioned on the stored one being older, so a stale
 * event can never overwrite newer state.
 */
export function aggregateUpdateExpression(
  accountId: string,
  update: AggregateUpdate,
  registers: readonly string[] = Object.keys(update.latest),
): UpdateExpressionParts {
  const names: Record<string, string> = { "#account": "accountId" };
  const values: Record<string, unknown> = { ":account": accountId };
  const adds: string[] = [];
  const sets: string[] = ["#account = :account"];
  const conditions: string[] = [];
  let i = 0;
  for (const [key, value] of Object.entries(update.add)) {
    names[`#a${i}`] = key;
    values[`:a${i}`] = value;
    adds.push(`#a${i} :a${i}`);
    i++;
  }
  for (const [key, members] of Object.entries(update.union)) {
    if (members.length === 0) continue;
    names[`#a${i}`] = key;
    values[`:a${i}`] = new Set(members);
    adds.push(`#a${i} :a${i}`);
    i++;
  }
  for (const key of registers) {
    const value = update.latest[key];
    if (!value) continue;
    const n = `#r${i}`;
    names[n] = key;
    values[`:r${i}`] = value;
    values[`:r${i}ts`] = value.ts;
    values[`:r${i}rk`] = value.rk ?? 0;
    values[`:r${i}eid`] = value.eid;
    sets.push(`${n} = :r${i}`);
    conditions.push(
      `(attribute_not_exists(${n}) OR ${n}.#ts < :r${i}ts OR (${n}.#ts = :r${i}ts AND ${tieCondition(n, `:r${i}`, value.rk ?? 0)}))`,
    );
    i++;
  }
  if (conditions.length > 0) Object.assign(names, { "#ts": "ts", "#rk": "rk", "#eid": "eid" });
  return {
    UpdateExpression: `SET ${sets.join(", ")}${adds.length ? ` ADD ${adds.join(", ")}` : ""}`,
    ...(conditions.length > 0 ? { ConditionExpression: conditions.join(" AND ") } : {}),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * The stored register `n` of the same source time loses to ours (placeholders `<v>rk`,
 * `<v>eid`): its rank is lower, or equal and its event id lower. A register with no `rk`
 * has rank 0 (values with no lifecycle, and registers stored before ranks existed).
 */
function tieCondition(n: string, v: string, rank: number): string {
  const sameRankLowerId = `${n}.#eid < ${v}eid`;
  if (rank === 0) {
    return `((attribute_not_exists(${n}.#rk) OR ${n}.#rk <= ${v}rk) AND ${sameRankLowerId})`;
  }
  return `(attribute_not_exists(${n}.#rk) OR ${n}.#rk < ${v}rk OR (${n}.#rk = ${v}rk AND ${sameRankLowerId}))`;
}

/** The registers of `update` that are newer than what is stored (from a consistent read). */
export function newerRegisters(
  update: AggregateUpdate,
  stored: Readonly<Record<string, unknown>> | undefined,
): string[] {
  return Object.keys(update.latest).filter((key) => {
    const theirs = stored?.[key] as LatestValue | undefined;
    return isNewer(
      update.latest[key] as LatestValue,
      typeof theirs?.ts === "number" ? theirs : undefined,
    );
  });
}
