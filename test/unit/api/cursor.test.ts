import { describe, expect, it } from "vitest";
import {
  decodeCustomerCursor,
  decodeUnmatchedCursor,
  encodeCustomerCursor,
  encodeUnmatchedCursor,
  InvalidCursorError,
} from "../../../functions/api/cursor.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64url");

describe("page cursors", () => {
  it("read back the position they were made from", () => {
    for (const position of [
      { score: null, accountId: "a" },
      { score: 0, accountId: "münchen-Ω" },
      { score: 55.253, accountId: "acme" },
    ]) {
      expect(decodeCustomerCursor(encodeCustomerCursor(position))).toEqual(position);
    }
    const waiting = { receivedAt: 1_764_000_000_000, source: "zendesk" as const, eventId: "e:1" };
    expect(decodeUnmatchedCursor(encodeUnmatchedCursor(waiting))).toEqual(waiting);
  });

  it("reject anything that is not a cursor we issued", () => {
    const good = encodeCustomerCursor({ score: 1, accountId: "a" });
    const customers = [
      "",
      "%%%",
      "abc",
      `${good}=`,
      good.slice(1),
      b64("not json"),
      b64("{}"),
      b64('[1,"a",3]'),
      b64('["1","a"]'),
      b64('[101,"a"]'),
      b64('[-0.5,"a"]'),
      b64('[1,""]'),
      b64("[1,5]"),
      b64(`[1,"${"é".repeat(451)}"]`),
    ];
    for (const raw of customers)
      expect(() => decodeCustomerCursor(raw), raw).toThrow(InvalidCursorError);
    const unmatched = [
      good,
      b64('[1.5,"stripe","e"]'),
      b64('[-1,"stripe","e"]'),
      b64('[1e20,"stripe","e"]'),
      b64('[1,"Stripe!","e"]'),
      b64('[1,"stripe",""]'),
    ];
    for (const raw of unmatched)
      expect(() => decodeUnmatchedCursor(raw), raw).toThrow(InvalidCursorError);
  });
});
