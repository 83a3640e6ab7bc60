import { describe, expect, it } from "vitest";
import { domainProblem, normalizeDomain } from "../../../functions/aliases/domains.ts";
import { MAX_ID_BYTES } from "../../../functions/domain/ids.ts";
import { emailDomain } from "../../../functions/webhook/providers/common.ts";

describe("domainProblem", () => {
  it("accepts host names of a company, in any case", () => {
    for (const domain of ["acme.com", "Acme.COM", "eu.acme-corp.co.uk", "xn--bcher-kva.de"]) {
      expect(domainProblem(domain), domain).toBeUndefined();
    }
    expect(normalizeDomain("Acme.COM")).toBe("acme.com");
  });

  it("rejects free-mail and disposable domains after lower-casing them", () => {
    expect(domainProblem("GMAIL.COM")).toMatch(/free-mail/);
    expect(domainProblem("outlook.com")).toMatch(/free-mail/);
    expect(domainProblem("0-mail.com")).toMatch(/disposable/);
  });

  it("rejects what is not a host name", () => {
    for (const value of [
      "not a domain!",
      "localhost",
      "acme",
      ".acme.com",
      "acme..com",
      "-acme.com",
      "acme-.com",
      "acme.123",
      "bücher.de",
      "acme.com/path",
      `${"a".repeat(64)}.com`,
      `${"a.".repeat(127)}com`,
    ]) {
      expect(domainProblem(value), value).toBeDefined();
    }
  });

  it("follows the one id rule too: a host name over 200 bytes is no alias (webhooks drop such domains)", () => {
    const label = "a".repeat(60);
    const long = `${label}.${label}.${label}.${label}.com`; // 247 characters: a valid host name

    expect(long.length).toBeGreaterThan(MAX_ID_BYTES);
    expect(domainProblem(long)).toMatch(/200 bytes/);
    expect(emailDomain(`someone@${long}`)).toBeNull();
    // The longest domain the id rule allows is still one.
    expect(domainProblem(`${label}.${label}.${label}.${"b".repeat(12)}.com`)).toBeUndefined();
  });
});
