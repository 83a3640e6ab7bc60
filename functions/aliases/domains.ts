/**
 * Which email domains may name a customer. A domain alias pulls in every event from an
 * address at that domain, so it must be a real host name that belongs to one company: never
 * a free-mail provider (gmail.com is thousands of customers) nor a disposable-address
 * service. Both lists come from maintained packages, not from us.
 */
import { disposableEmailBlocklistSet } from "disposable-email-domains-js";
// Imported as JSON: the package's own entry loads it with a require() bundlers cannot follow.
import freeMailDomains from "email-providers/all.json" with { type: "json" };
import { ID_RULE_TEXT, identifierProblem } from "../domain/ids.ts";

const FREE_MAIL: ReadonlySet<string> = new Set(freeMailDomains as string[]);
const DISPOSABLE: ReadonlySet<string> = disposableEmailBlocklistSet();

/** A DNS label: 1-63 letters, digits or hyphens, not starting or ending with a hyphen. */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** A top-level domain: letters, or an internationalized one in its `xn--` form. */
const TOP_LEVEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** The form a domain alias is stored and matched in (email domains arrive lower-cased). */
export const normalizeDomain = (value: string): string => value.toLowerCase();

/**
 * Why `value` cannot be a domain alias, or undefined when it can. Checks its lower-cased
 * form: a host name within the one id rule (at most 200 bytes), of one company.
 */
export function domainProblem(value: string): string | undefined {
  const domain = normalizeDomain(value);
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) {
    return "is not a host name (letters, digits and hyphens in dot-separated labels; international names in their xn-- form)";
  }
  if (!TOP_LEVEL.test(labels[labels.length - 1] as string)) return "has no valid top-level domain";
  // A domain is an id like any other: the one id rule caps it (webhooks drop longer ones).
  const idProblem = identifierProblem(domain);
  if (idProblem !== undefined) return `${idProblem} (ids are ${ID_RULE_TEXT})`;
  if (FREE_MAIL.has(domain)) return "is a free-mail domain, shared by many customers";
  if (DISPOSABLE.has(domain)) return "is a disposable email domain";
  return undefined;
}
