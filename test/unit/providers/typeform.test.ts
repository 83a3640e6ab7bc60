import { describe, expect, it } from "vitest";
import { parse } from "../../../functions/webhook/providers/typeform/map.ts";
import { config, expectMalformed, fixture, type Json, mappingConfig, single } from "./support.ts";

const SUBMITTED = "2024-05-02T10:00:00Z";

const numberAnswer = (ref: string, value: number, fieldType = "opinion_scale"): Json => ({
  type: "number",
  number: value,
  field: { id: `id_${ref}`, type: fieldType, ref },
});

const textAnswer = (ref: string, text: string): Json => ({
  type: "text",
  text,
  field: { id: `id_${ref}`, type: "long_text", ref },
});

/** A form_response delivery whose answers carry `field.ref`, as current payloads do. */
function formResponse(answers: Json[], hidden: Json = { account_id: "acct-1" }): Json {
  return {
    event_id: "01HXYZ",
    event_type: "form_response",
    form_response: {
      form_id: "lT4Z3j",
      token: "a3a12ec67a1365927098a606107fac15",
      landed_at: "2024-05-02T09:58:00Z",
      submitted_at: SUBMITTED,
      hidden,
      answers,
    },
  };
}

describe("typeform adapter", () => {
  describe("the documentation example", () => {
    it("is ignored when none of its questions is configured", () => {
      const event = single(parse(fixture("typeform/form_response.docs-example.json"), config));

      expect(event).toEqual({
        source: "typeform",
        eventId: "LtWXD3crgy",
        type: "form_response",
        occurredAt: Date.parse("2018-01-18T18:17:02Z"),
        accountId: null,
        refs: [],
        signals: [],
        ignored: true,
      });
    });

    it("finds answers through the form definition when they name only the field id", () => {
      const refs = mappingConfig({
        typeform: {
          npsRef: "readable_ref_opinion_scale",
          csatRef: "readable_ref_rating",
          cesRef: "readable_ref_number2",
        },
      });

      const event = single(parse(fixture("typeform/form_response.docs-example.json"), refs));

      expect(event.signals).toEqual([
        { kind: "nps", score: 2 },
        { kind: "csat", score: 3 },
        { kind: "ces", score: 4 },
      ]);
      expect(event.ignored).toBe(false);
    });
  });

  describe("scores", () => {
    it("maps the configured refs to nps, csat and ces", () => {
      const body = formResponse([
        numberAnswer("nps", 9),
        numberAnswer("csat", 4, "rating"),
        numberAnswer("ces", 6, "number"),
      ]);

      const event = single(parse(body, config));

      expect(event).toEqual({
        source: "typeform",
        eventId: "01HXYZ",
        type: "form_response",
        occurredAt: Date.parse(SUBMITTED),
        accountId: "acct-1",
        refs: [],
        signals: [
          { kind: "nps", score: 9 },
          { kind: "csat", score: 4 },
          { kind: "ces", score: 6 },
        ],
        ignored: false,
      });
    });

    it("attaches the NPS and CSAT comments from <ref>_comment text answers", () => {
      const body = formResponse([
        numberAnswer("nps", 3),
        textAnswer("nps_comment", "  Too slow since March. "),
        numberAnswer("csat", 2),
        textAnswer("csat_comment", "Support took days."),
      ]);

      const event = single(parse(body, config));

      expect(event.signals).toEqual([
        { kind: "nps", score: 3, comment: "Too slow since March." },
        { kind: "csat", score: 2, comment: "Support took days." },
      ]);
    });

    it("uses the refs named in the configuration", () => {
      const custom = mappingConfig({
        typeform: { npsRef: "recommend", csatRef: "csat", cesRef: "ces" },
      });

      const event = single(parse(formResponse([numberAnswer("recommend", 10)]), custom));

      expect(event.signals).toEqual([{ kind: "nps", score: 10 }]);
    });

    it.each([
      ["nps", 11],
      ["nps", -1],
      ["nps", 7.5],
      ["csat", 0],
      ["csat", 6],
      ["ces", 8],
    ])("rejects %s score %d", (ref, value) => {
      expectMalformed(
        () => parse(formResponse([numberAnswer(ref, value)]), config),
        new RegExp(`${ref} \\(${ref}\\) must be an integer from`),
      );
    });

    it("rejects a configured question answered with something other than a number", () => {
      expectMalformed(
        () => parse(formResponse([textAnswer("nps", "nine")]), config),
        /nps \(nps\) must be a number/,
      );
    });
  });

  describe("account", () => {
    it("refers to the respondent's email domain when there is no account_id", () => {
      const body = formResponse([numberAnswer("nps", 8)], { email: "Ana@Example.COM" });

      const event = single(parse(body, config));

      expect(event.accountId).toBeNull();
      expect(event.refs).toEqual([{ kind: "domain", id: "example.com" }]);
    });

    it("has neither account nor refs when the hidden fields name nothing", () => {
      const event = single(
        parse(formResponse([numberAnswer("nps", 8)], { account_id: "" }), config),
      );

      expect(event.accountId).toBeNull();
      expect(event.refs).toEqual([]);
    });
  });

  describe("other deliveries", () => {
    it("ignores event types other than form_response", () => {
      const body = {
        ...formResponse([numberAnswer("nps", 8)]),
        event_type: "form_response_partial",
      };

      const event = single(parse(body, config));

      expect(event).toMatchObject({ type: "form_response_partial", ignored: true, signals: [] });
    });

    it("rejects a delivery without event_id", () => {
      const { event_id: _id, ...body } = formResponse([numberAnswer("nps", 8)]);

      expectMalformed(() => parse(body, config), /event_id/);
    });

    it("rejects a form_response without submitted_at", () => {
      const body = formResponse([numberAnswer("nps", 8)]);
      delete body.form_response.submitted_at;

      expectMalformed(() => parse(body, config), /submitted_at is required/);
    });
  });
});
