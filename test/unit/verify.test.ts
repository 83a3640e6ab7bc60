import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  type Provider,
  STRIPE_TOLERANCE_SECONDS,
  TIMESTAMP_TOLERANCE_SECONDS,
  verifySignature,
} from "../../functions/webhook/verify.ts";

interface Vectors {
  readonly stripe: {
    readonly secret: string;
    readonly raw_body: string;
    readonly "header_Stripe-Signature": string;
  };
  readonly standard_webhooks: {
    readonly secret: string;
    readonly raw_body: string;
    readonly "header_webhook-id": string;
    readonly "header_webhook-timestamp": string;
    readonly "header_webhook-signature": string;
  };
}

// Known-answer vectors, copied into test/fixtures (see its README for provenance).
const vectors: Vectors = JSON.parse(
  readFileSync(new URL("../fixtures/signature-vectors/vectors.json", import.meta.url), "utf8"),
);

const T = 1_700_000_000; // seconds
const NOW_MS = T * 1000;
const OK = { ok: true };
const NO_MATCH = { ok: false, reason: "no matching signature" };
const OUTSIDE_TOLERANCE = { ok: false, reason: "timestamp outside tolerance" };
const NOT_CONFIGURED = { ok: false, reason: "webhook secret not configured" };

const body = Buffer.from('{"id":"evt_1","object":"event","data":{"object":{"id":"cus_1"}}}');

/** Flips bits of one byte, leaving the original untouched. */
function withByteChanged(raw: Buffer, position: number, mask: number): Buffer {
  const copy = Buffer.from(raw);
  const i = position % copy.length;
  copy.writeUInt8(copy.readUInt8(i) ^ mask, i);
  return copy;
}

// Bodies are strings because both official signers take strings (signed as UTF-8).
const bodyArb = fc.string({ unit: "binary", minLength: 1, maxLength: 1000 });
const byteChangeArb = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 }));

/** Garbage values for every header any verifier reads. */
const garbageHeadersArb = fc.dictionary(
  fc.constantFrom(
    "stripe-signature",
    "x-zendesk-webhook-signature",
    "x-zendesk-webhook-signature-timestamp",
    "typeform-signature",
    "x-signature",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
  ),
  fc.oneof(
    fc.string({ unit: "binary" }),
    fc.constantFrom("t=", "v1=", "t=1,v1=", "sha256=", "v1,", "v1, v1,", "=,=,", " ", "\u0000"),
  ),
);

describe("verifySignature", () => {
  describe("stripe", () => {
    const secret = "whsec_test_secret";
    const sign = (payload: string, key = secret, timestamp = T) =>
      Stripe.webhooks.generateTestHeaderString({ payload, secret: key, timestamp });
    const verify = (raw: Buffer, header: string | undefined, secrets: string[], nowMs = NOW_MS) =>
      verifySignature("stripe", raw, { "stripe-signature": header }, secrets, nowMs);

    it("accepts the known-answer vector", () => {
      // Arrange
      const v = vectors.stripe;
      // Act
      const result = verify(Buffer.from(v.raw_body), v["header_Stripe-Signature"], [v.secret]);
      // Assert
      expect(result).toEqual(OK);
    });

    it("accepts a header made by the official signer", () => {
      const header = sign(body.toString());

      const result = verify(body, header, [secret]);

      expect(result).toEqual(OK);
    });

    it("rejects a tampered body", () => {
      const header = sign(body.toString());

      const result = verify(Buffer.from(body.toString().replace("cus_1", "cus_2")), header, [
        secret,
      ]);

      expect(result).toEqual(NO_MATCH);
    });

    it("accepts a timestamp exactly at the tolerance", () => {
      const header = sign(body.toString());

      const result = verify(body, header, [secret], NOW_MS + STRIPE_TOLERANCE_SECONDS * 1000);

      expect(result).toEqual(OK);
    });

    it("rejects a timestamp older than 300 s", () => {
      const header = sign(body.toString());

      const result = verify(body, header, [secret], NOW_MS + 301_000);

      expect(result).toEqual(OUTSIDE_TOLERANCE);
    });

    it("accepts a future timestamp, as stripe-node does", () => {
      // Arrange: Stripe signed an hour ahead of our clock.
      const header = sign(body.toString(), secret, T + 3600);
      // Act
      const ours = verify(body, header, [secret], NOW_MS);
      const official = () =>
        Stripe.webhooks.constructEvent(body, header, secret, undefined, undefined, NOW_MS);
      // Assert
      expect(ours).toEqual(OK);
      expect(official).not.toThrow();
    });

    it("accepts when any of several v1 signatures matches", () => {
      const valid = sign(body.toString()).split(",v1=")[1];
      const header = `t=${T},v1=${"0".repeat(64)},v1=${valid},v0=${"f".repeat(64)}`;

      const result = verify(body, header, [secret]);

      expect(result).toEqual(OK);
    });

    it("ignores a valid signature under the v0 scheme", () => {
      const valid = sign(body.toString()).split(",v1=")[1];

      const result = verify(body, `t=${T},v0=${valid}`, [secret]);

      expect(result).toEqual({
        ok: false,
        reason: "malformed Stripe-Signature header: no v1 signature",
      });
    });

    it("accepts the old secret while it is still listed during rotation", () => {
      const header = sign(body.toString(), "whsec_old");

      const result = verify(body, header, ["whsec_new", "whsec_old"]);

      expect(result).toEqual(OK);
    });

    it("rejects the old secret once it is removed", () => {
      const header = sign(body.toString(), "whsec_old");

      const result = verify(body, header, ["whsec_new"]);

      expect(result).toEqual(NO_MATCH);
    });

    it("accepts a rotation header carrying one v1 per secret", () => {
      // Stripe signs with both secrets while an endpoint's secret is being rolled.
      const newSig = sign(body.toString(), "whsec_new").split(",v1=")[1];
      const oldSig = sign(body.toString(), "whsec_old").split(",v1=")[1];

      const result = verify(body, `t=${T},v1=${newSig},v1=${oldSig}`, ["whsec_old"]);

      expect(result).toEqual(OK);
    });

    it("reports a missing header", () => {
      expect(verify(body, undefined, [secret])).toEqual({
        ok: false,
        reason: "missing Stripe-Signature header",
      });
    });

    it("reports that no secret is configured", () => {
      expect(verify(body, sign(body.toString()), [])).toEqual(NOT_CONFIGURED);
    });

    it.each([
      "",
      "garbage",
      "t=abc,v1=abcdef",
      "t=-5,v1=abcdef",
      "v1=abcdef",
      `t=${T}`,
      `t=${T},v1=`,
      `t=${T},v1=zz`,
      ",,,=,=",
      "t=1e9,v1=00",
      "\u0000\uffff",
    ])("rejects the garbage header %j", (header) => {
      expect(verify(body, header, [secret]).ok).toBe(false);
    });

    it("verifies any official header and rejects any single-byte change of the body", () => {
      const secretArb = fc.stringMatching(/^whsec_[A-Za-z0-9]{1,40}$/);
      const ageArb = fc.integer({ min: 0, max: STRIPE_TOLERANCE_SECONDS });
      fc.assert(
        fc.property(bodyArb, secretArb, ageArb, byteChangeArb, (payload, key, age, change) => {
          const raw = Buffer.from(payload, "utf8");
          const header = sign(payload, key);
          const nowMs = (T + age) * 1000;

          expect(verify(raw, header, [key], nowMs)).toEqual(OK);
          expect(verify(withByteChanged(raw, ...change), header, [key], nowMs)).toEqual(NO_MATCH);
        }),
      );
    });
  });

  describe("generic (Standard Webhooks)", () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const msgId = "msg_2ZqdE5Ge4lLb8Qm5T1aWkHmM6cA";
    const headersFor = (payload: string, key = secret, timestamp = T, id = msgId) => ({
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": new Webhook(key).sign(id, new Date(timestamp * 1000), payload),
    });
    const verify = (
      raw: Buffer,
      headers: Record<string, string | undefined>,
      secrets: string[],
      nowMs = NOW_MS,
    ) => verifySignature("generic", raw, headers, secrets, nowMs);

    it("accepts the known-answer vector", () => {
      // Arrange
      const v = vectors.standard_webhooks;
      const headers = {
        "webhook-id": v["header_webhook-id"],
        "webhook-timestamp": v["header_webhook-timestamp"],
        "webhook-signature": v["header_webhook-signature"],
      };
      // Act
      const result = verify(Buffer.from(v.raw_body), headers, [v.secret]);
      // Assert
      expect(result).toEqual(OK);
    });

    it("accepts a header made by the official signer", () => {
      expect(verify(body, headersFor(body.toString()), [secret])).toEqual(OK);
    });

    it("accepts a secret given without the whsec_ prefix", () => {
      const headers = headersFor(body.toString());

      const result = verify(body, headers, [secret.slice("whsec_".length)]);

      expect(result).toEqual(OK);
    });

    it("rejects a tampered body", () => {
      const headers = headersFor(body.toString());

      expect(verify(Buffer.from(`${body.toString()} `), headers, [secret])).toEqual(NO_MATCH);
    });

    it("rejects a signature moved to another message id", () => {
      const headers = { ...headersFor(body.toString()), "webhook-id": "msg_other" };

      expect(verify(body, headers, [secret])).toEqual(NO_MATCH);
    });

    it.each([
      ["exactly 300 s old", TIMESTAMP_TOLERANCE_SECONDS, OK],
      ["exactly 300 s ahead", -TIMESTAMP_TOLERANCE_SECONDS, OK],
      ["301 s old", 301, OUTSIDE_TOLERANCE],
      ["301 s ahead", -301, OUTSIDE_TOLERANCE],
    ])("handles a timestamp %s", (_label, ageSeconds, expected) => {
      const headers = headersFor(body.toString());

      const result = verify(body, headers, [secret], NOW_MS + ageSeconds * 1000);

      expect(result).toEqual(expected);
    });

    it("accepts when any of several space-separated signatures matches", () => {
      const valid = headersFor(body.toString())["webhook-signature"];
      const headers = {
        ...headersFor(body.toString()),
        "webhook-signature": `v1,${Buffer.alloc(32).toString("base64")} v1a,abc ${valid}`,
      };

      expect(verify(body, headers, [secret])).toEqual(OK);
    });

    it("ignores a valid signature under another version", () => {
      const valid = headersFor(body.toString())["webhook-signature"].slice("v1,".length);
      const headers = { ...headersFor(body.toString()), "webhook-signature": `v2,${valid}` };

      expect(verify(body, headers, [secret]).ok).toBe(false);
    });

    it("accepts the old secret while it is still listed and rejects it once removed", () => {
      const newSecret = `whsec_${Buffer.from("a brand new key!").toString("base64")}`;
      const headers = headersFor(body.toString());

      expect(verify(body, headers, [newSecret, secret])).toEqual(OK);
      expect(verify(body, headers, [newSecret])).toEqual(NO_MATCH);
    });

    it.each([
      "webhook-id",
      "webhook-timestamp",
      "webhook-signature",
    ])("reports a missing %s", (name) => {
      const headers = { ...headersFor(body.toString()), [name]: undefined };

      expect(verify(body, headers, [secret])).toEqual({
        ok: false,
        reason: `missing ${name} header`,
      });
    });

    it.each([
      "abc",
      "-1",
      "1.7e9",
      "0x10",
      "17000000000000000000",
    ])("rejects the malformed timestamp %j", (timestamp) => {
      const headers = { ...headersFor(body.toString()), "webhook-timestamp": timestamp };

      expect(verify(body, headers, [secret])).toEqual({
        ok: false,
        reason: "malformed webhook-timestamp header",
      });
    });

    it("reports that no usable secret is configured", () => {
      expect(verify(body, headersFor(body.toString()), ["", "whsec_"])).toEqual(NOT_CONFIGURED);
    });

    it("verifies any official header and rejects any single-byte change of the body", () => {
      const secretArb = fc
        .uint8Array({ minLength: 1, maxLength: 64 })
        .map((k) => `whsec_${Buffer.from(k).toString("base64")}`);
      const idArb = fc.stringMatching(/^msg_[A-Za-z0-9]{1,32}$/);
      const skewArb = fc.integer({
        min: -TIMESTAMP_TOLERANCE_SECONDS,
        max: TIMESTAMP_TOLERANCE_SECONDS,
      });
      fc.assert(
        fc.property(
          bodyArb,
          secretArb,
          idArb,
          skewArb,
          byteChangeArb,
          (payload, key, id, skew, change) => {
            const raw = Buffer.from(payload, "utf8");
            const headers = headersFor(payload, key, T, id);
            const nowMs = (T + skew) * 1000;

            expect(verify(raw, headers, [key], nowMs)).toEqual(OK);
            expect(verify(withByteChanged(raw, ...change), headers, [key], nowMs)).toEqual(
              NO_MATCH,
            );
          },
        ),
      );
    });
  });

  // No official signer for these: signatures are computed here from each provider's documented scheme.
  const ZENDESK_TIMESTAMP = "2023-11-14T22:13:20Z"; // T as ISO 8601
  const bodySigners = {
    zendesk: (secret: string, raw: Buffer) => ({
      "x-zendesk-webhook-signature": createHmac("sha256", secret)
        .update(Buffer.concat([Buffer.from(ZENDESK_TIMESTAMP), raw]))
        .digest("base64"),
      "x-zendesk-webhook-signature-timestamp": ZENDESK_TIMESTAMP,
    }),
    typeform: (secret: string, raw: Buffer) => ({
      "typeform-signature": `sha256=${createHmac("sha256", secret).update(raw).digest("base64")}`,
    }),
    segment: (secret: string, raw: Buffer) => ({
      "x-signature": createHmac("sha1", secret).update(raw).digest("hex"),
    }),
  } satisfies Partial<Record<Provider, (secret: string, raw: Buffer) => Record<string, string>>>;

  describe.each(Object.entries(bodySigners))("%s", (name, signer) => {
    const provider = name as Provider;
    const secret = "s3cr3t-for-tests";
    const verify = (raw: Buffer, headers: Record<string, string | undefined>, secrets: string[]) =>
      verifySignature(provider, raw, headers, secrets, NOW_MS);

    it("accepts a signature computed per the documented scheme", () => {
      expect(verify(body, signer(secret, body), [secret])).toEqual(OK);
    });

    it("rejects a tampered body", () => {
      const headers = signer(secret, body);

      expect(verify(withByteChanged(body, 10, 0x01), headers, [secret])).toEqual(NO_MATCH);
    });

    it("verifies a non-ASCII UTF-8 body over its bytes, not a re-serialized string", () => {
      // Arrange: escaped and literal non-ASCII, spacing a JSON round trip would change.
      const raw = Buffer.from('{"name": "Zoë Ødegård 日本", "note": "caf\\u00e9 ☕"}', "utf8");
      const headers = signer(secret, raw);
      const reserialized = Buffer.from(JSON.stringify(JSON.parse(raw.toString("utf8"))), "utf8");
      // Act
      const asReceived = verify(raw, headers, [secret]);
      const afterRoundTrip = verify(reserialized, headers, [secret]);
      // Assert
      expect(asReceived).toEqual(OK);
      expect(afterRoundTrip).toEqual(NO_MATCH);
    });

    it("verifies bytes that are not valid UTF-8 without decoding them", () => {
      const raw = Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xe9, 0xff, 0x22, 0x7d]);
      const headers = signer(secret, raw);

      expect(verify(raw, headers, [secret])).toEqual(OK);
      expect(verify(Buffer.from(raw.toString("utf8"), "utf8"), headers, [secret])).toEqual(
        NO_MATCH,
      );
    });

    it("accepts the old secret while it is still listed and rejects it once removed", () => {
      const headers = signer("old-secret", body);

      expect(verify(body, headers, ["new-secret", "old-secret"])).toEqual(OK);
      expect(verify(body, headers, ["new-secret"])).toEqual(NO_MATCH);
    });

    it("reports that no secret is configured", () => {
      expect(verify(body, signer(secret, body), [])).toEqual(NOT_CONFIGURED);
    });

    it("reports a missing signature header", () => {
      const result = verify(body, {}, [secret]);

      expect(result.ok).toBe(false);
      expect(result.ok === false && result.reason).toMatch(/^missing /);
    });

    it("rejects a signature made with another secret", () => {
      expect(verify(body, signer("someone-else", body), [secret])).toEqual(NO_MATCH);
    });
  });

  describe("zendesk timestamps", () => {
    const secret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==";
    const signedAt = (timestamp: string) => ({
      "x-zendesk-webhook-signature": createHmac("sha256", secret)
        .update(`${timestamp}${body.toString("utf8")}`)
        .digest("base64"),
      "x-zendesk-webhook-signature-timestamp": timestamp,
    });

    it.each([
      ["exactly 5 minutes old", "2023-11-14T22:08:20Z", OK],
      ["exactly 5 minutes ahead", "2023-11-14T22:18:20Z", OK],
      ["with an offset and fraction", "2023-11-14T23:13:20.000+01:00", OK],
      ["5 minutes and 1 s old", "2023-11-14T22:08:19Z", OUTSIDE_TOLERANCE],
      ["5 minutes and 1 s ahead", "2023-11-14T22:18:21Z", OUTSIDE_TOLERANCE],
    ])("handles a timestamp %s", (_label, timestamp, expected) => {
      const result = verifySignature("zendesk", body, signedAt(timestamp), [secret], NOW_MS);

      expect(result).toEqual(expected);
    });

    it.each([
      "1700000000",
      "yesterday",
      "2023-11-14 22:13:20",
      "2023-13-45T99:99:99Z",
    ])("rejects the malformed timestamp %j", (timestamp) => {
      const result = verifySignature("zendesk", body, signedAt(timestamp), [secret], NOW_MS);

      expect(result).toEqual({
        ok: false,
        reason: "malformed X-Zendesk-Webhook-Signature-Timestamp",
      });
    });

    it("reports a missing timestamp header", () => {
      const headers = {
        ...signedAt(ZENDESK_TIMESTAMP),
        "x-zendesk-webhook-signature-timestamp": "",
      };

      expect(verifySignature("zendesk", body, headers, [secret], NOW_MS)).toEqual({
        ok: false,
        reason: "missing X-Zendesk-Webhook-Signature-Timestamp header",
      });
    });

    it("rejects a signature replayed with a fresh timestamp", () => {
      const headers = {
        ...signedAt("2023-11-14T20:00:00Z"),
        "x-zendesk-webhook-signature-timestamp": ZENDESK_TIMESTAMP,
      };

      expect(verifySignature("zendesk", body, headers, [secret], NOW_MS)).toEqual(NO_MATCH);
    });
  });

  describe("typeform header format", () => {
    const secret = "typeform-secret";

    it("rejects a signature without the sha256= prefix", () => {
      const bare = createHmac("sha256", secret).update(body).digest("base64");

      expect(
        verifySignature("typeform", body, { "typeform-signature": bare }, [secret], NOW_MS),
      ).toEqual({
        ok: false,
        reason: "malformed Typeform-Signature header",
      });
    });

    it("rejects a hex-encoded digest", () => {
      const hex = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

      expect(
        verifySignature("typeform", body, { "typeform-signature": hex }, [secret], NOW_MS),
      ).toEqual(NO_MATCH);
    });
  });

  describe("segment header format", () => {
    it("rejects a SHA-256 digest where SHA-1 is expected", () => {
      const sha256 = createHmac("sha256", "segment-secret").update(body).digest("hex");

      const result = verifySignature(
        "segment",
        body,
        { "x-signature": sha256 },
        ["segment-secret"],
        NOW_MS,
      );

      expect(result).toEqual(NO_MATCH);
    });
  });

  it("rejects an unknown provider", () => {
    const result = verifySignature("paddle" as Provider, body, {}, ["secret"], NOW_MS);

    expect(result).toEqual({ ok: false, reason: "unknown provider" });
  });

  it("never throws on garbage headers for any provider", () => {
    const providerArb = fc.constantFrom<Provider>(
      "stripe",
      "zendesk",
      "typeform",
      "segment",
      "generic",
    );
    const secretsArb = fc.array(fc.string({ unit: "binary" }), { maxLength: 3 });
    fc.assert(
      fc.property(
        providerArb,
        garbageHeadersArb,
        secretsArb,
        fc.uint8Array(),
        (provider, headers, secrets, raw) => {
          const result = verifySignature(provider, Buffer.from(raw), headers, secrets, NOW_MS);

          expect(result.ok).toBe(false);
        },
      ),
    );
  });
});
