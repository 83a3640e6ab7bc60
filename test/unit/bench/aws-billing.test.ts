/**
 * The size and unit rules of the AWS-billing meter, against the numbers in AWS's "DynamoDB
 * item sizes and formats" and "DynamoDB read and write operations" pages.
 */
import { describe, expect, it } from "vitest";
import {
  indexWriteUnits,
  itemBytes,
  readUnits,
  valueBytes,
  writeUnits,
} from "../../../bench/aws-billing.ts";

describe("item size", () => {
  it("counts a string as its name's and its value's UTF-8 bytes", () => {
    expect(itemBytes({ name: "abc" })).toBe(4 + 3);
    // "é" is 2 bytes and "€" 3 in UTF-8, in names as in values.
    expect(itemBytes({ café: "€" })).toBe(5 + 3);
  });

  it("counts a number as 1 byte per two significant digits plus 1, edge zeros trimmed", () => {
    expect(valueBytes(7)).toBe(2);
    expect(valueBytes(12)).toBe(2);
    expect(valueBytes(123)).toBe(3);
    expect(valueBytes(-123.45)).toBe(4);
    // Leading and trailing zeroes are trimmed: 1000 and 0.001 have one significant digit.
    expect(valueBytes(1000)).toBe(2);
    expect(valueBytes(0.001)).toBe(2);
    expect(valueBytes(1e21)).toBe(2);
    expect(valueBytes(12345678901234567891n)).toBe(1 + 10);
    expect(itemBytes({ n: 123 })).toBe(1 + 3);
  });

  it("counts binary by its raw bytes, not its base64 text", () => {
    expect(itemBytes({ b: new Uint8Array(10) })).toBe(1 + 10);
  });

  it("counts null and booleans as 1 byte", () => {
    expect(itemBytes({ t: true, f: false, z: null })).toBe(3 * (1 + 1));
  });

  it("gives a list or map 3 bytes of overhead and each element 1 more", () => {
    expect(itemBytes({ l: [] })).toBe(1 + 3);
    expect(itemBytes({ m: {} })).toBe(1 + 3);
    expect(itemBytes({ l: ["ab", 1] })).toBe(1 + 3 + (1 + 2) + (1 + 2));
    // A map's entries count their keys like attribute names.
    expect(itemBytes({ m: { ab: "xyz" } })).toBe(1 + 3 + (1 + 2 + 3));
    expect(itemBytes({ m: { l: [{}] } })).toBe(1 + 3 + (1 + 1 + (3 + (1 + 3))));
  });

  it("counts a set as the sum of its elements", () => {
    expect(itemBytes({ s: new Set(["ab", "cde"]) })).toBe(1 + 5);
    expect(itemBytes({ s: new Set([1, 22]) })).toBe(1 + 2 + 2);
  });

  it("skips undefined attributes, which the document client does not store", () => {
    expect(itemBytes({ a: "x", gone: undefined })).toBe(2);
  });
});

describe("units", () => {
  it("bills a write per started KB of the larger of the item before and after, at least 1", () => {
    expect(writeUnits(0, 500)).toBe(1);
    expect(writeUnits(0, 1024)).toBe(1);
    expect(writeUnits(0, 1025)).toBe(2);
    // UpdateItem: a small change to a 200 KB item is billed for the whole item.
    expect(writeUnits(200 * 1024, 200 * 1024 + 10)).toBe(201);
    expect(writeUnits(3500, 0)).toBe(4); // a DeleteItem of a 3.5 KB item
  });

  it("bills reads per started 4 KB: half eventually consistent, double in a transaction", () => {
    expect(readUnits(3500, "strong")).toBe(1); // a 3,500-byte item reads as 4 KB
    expect(readUnits(8 * 1024, "strong")).toBe(2);
    expect(readUnits(8 * 1024, "eventual")).toBe(1);
    expect(readUnits(8 * 1024, "transactional")).toBe(4);
    expect(readUnits(10 * 1024, "strong")).toBe(3); // 10 KB rounds to 12 KB
    // A read that finds nothing still costs a unit (a half when eventually consistent).
    expect(readUnits(0, "strong")).toBe(1);
    expect(readUnits(0, "eventual")).toBe(0.5);
    // BatchGetItem of 1.5 KB and 6.5 KB items: 4 KB + 8 KB, not 8 KB.
    expect(readUnits(1.5 * 1024, "strong") + readUnits(6.5 * 1024, "strong")).toBe(3);
  });

  it("bills index maintenance: a put entering, a delete leaving, both when the key moves", () => {
    expect(indexWriteUnits(null, null)).toBe(0);
    expect(indexWriteUnits(null, { key: "a", bytes: 1500 })).toBe(2);
    expect(indexWriteUnits({ key: "a", bytes: 1500 }, null)).toBe(2);
    expect(indexWriteUnits({ key: "a", bytes: 500 }, { key: "b", bytes: 500 })).toBe(2);
    expect(indexWriteUnits({ key: "a", bytes: 500 }, { key: "a", bytes: 1500 })).toBe(2);
  });
});
