import { describe, expect, it } from "vitest";
import {
  EMAIL_TEMPLATE_LINES,
  EMAIL_TEMPLATE_PATHS,
  emailMessage,
  renderEmailTemplate,
  type SlackMessage,
  scoreChange,
  signed,
  slackMessage,
} from "../../../functions/alerts/message.ts";
import {
  DETAIL_TYPES,
  HEALTH_EVENTS_SCHEMA_VERSION,
  type HealthEvent,
  type HealthScoreDropped,
  type HealthTierChanged,
} from "../../../functions/events/health-events.ts";

const DRIVERS: HealthTierChanged["drivers"] = [
  { component: "engagement", impact: -12.4, reason: "no product usage for 21 days" },
  { component: "support", impact: -7, reason: "4 urgent tickets opened in the last week" },
  { component: "financial", impact: -3.2, reason: "last payment failed" },
  { component: "sentiment", impact: -0.6, reason: "NPS 6 over recent answers" },
];

function tierChanged(overrides: Partial<HealthTierChanged> = {}): HealthEvent {
  return {
    detailType: DETAIL_TYPES.tierChanged,
    detail: {
      schemaVersion: HEALTH_EVENTS_SCHEMA_VERSION,
      eventId: "evt-tier-1",
      accountId: "acct-42",
      accountName: "Acme Corp",
      displayName: "Acme Corp",
      owner: "jane.doe",
      alert: "page",
      modelVersion: "2025.06-1",
      occurredAt: "2025-06-01T09:00:00.000Z",
      previousTier: "healthy",
      tier: "critical",
      previousScore: 72,
      score: 48.2,
      drivers: DRIVERS,
      components: [],
      ...overrides,
    },
  };
}

function scoreDropped(overrides: Partial<HealthScoreDropped> = {}): HealthEvent {
  return {
    detailType: DETAIL_TYPES.scoreDropped,
    detail: {
      schemaVersion: HEALTH_EVENTS_SCHEMA_VERSION,
      eventId: "evt-drop-1",
      accountId: "acct-7",
      accountName: "Globex",
      displayName: "Globex",
      owner: null,
      alert: "page",
      modelVersion: "2025.06-1",
      occurredAt: "2025-06-01T09:00:00.000Z",
      fromScore: 81,
      toScore: 57,
      windowDays: 7,
      drivers: DRIVERS.slice(0, 2),
      ...overrides,
    },
  };
}

/** Every text in the message, blocks first, as one string per element. */
function texts(message: SlackMessage): string[] {
  const out: string[] = [];
  for (const block of message.blocks) {
    if ("text" in block && block.text) out.push(block.text.text);
    if ("fields" in block && block.fields) out.push(...block.fields.map((f) => f.text));
    if ("elements" in block) out.push(...block.elements.map((e) => e.text));
  }
  return out;
}
const allText = (message: SlackMessage) => texts(message).join("\n");

describe("signed and scoreChange", () => {
  it("uses a real minus sign, a plus sign and ±0", () => {
    expect([signed(-24), signed(19), signed(0)]).toEqual(["\u221224", "+19", "±0"]);
  });

  it("shows whole points and the change between them", () => {
    expect(scoreChange(72, 48.2)).toBe("72 → 48 (\u221224)");
  });

  it("leaves the change out when a side has no score", () => {
    expect(scoreChange(55, null)).toBe("55 → no score");
  });
});

describe("slackMessage", () => {
  it("renders a tier change into critical with customer, tiers, score, drivers and owner", () => {
    // Act
    const message = slackMessage(tierChanged());
    // Assert
    const text = allText(message);
    expect(message.blocks[0]).toEqual({
      type: "header",
      text: {
        type: "plain_text",
        text: "🔴 Acme Corp needs attention: healthy → critical",
        emoji: true,
      },
    });
    expect(text).toContain("🟢 healthy → 🔴 critical");
    expect(text).toContain("72 → 48 (\u221224)");
    expect(text).toContain("no product usage for 21 days (\u221212 pts)");
    expect(text).toContain("4 urgent tickets opened in the last week");
    expect(text).toContain("last payment failed");
    expect(text).not.toContain("NPS 6");
    expect(texts(message)).toContain("Owner: @jane.doe");
    expect(message.blocks.at(-1)).toMatchObject({ type: "context" });
    expect(allText({ ...message, blocks: message.blocks.slice(-1) })).toContain("Model 2025.06-1");
  });

  it("gives a notification fallback that stands on its own", () => {
    expect(slackMessage(tierChanged()).text).toBe(
      "🔴 Acme Corp needs attention: healthy → critical · score 72 → 48 (\u221224)",
    );
  });

  it("reads a score drop as points lost in the window", () => {
    const message = slackMessage(scoreDropped());

    expect(message.blocks[0]).toMatchObject({
      text: { text: "📉 Globex: score dropped 24 points" },
    });
    expect(allText(message)).toContain("*Score dropped 24 points in 7 days*\n81 → 57 (\u221224)");
    expect(message.text).toContain("Score dropped 24 points in 7 days");
  });

  it("words an improvement report calmly", () => {
    const message = slackMessage(
      tierChanged({
        alert: "report",
        previousTier: "at-risk",
        tier: "healthy",
        previousScore: 55,
        score: 74,
        drivers: [{ component: "engagement", impact: 14, reason: "usage up 40% on last month" }],
      }),
    );

    expect(message.text).toBe("🟢 Acme Corp improved: at-risk → healthy · score 55 → 74 (+19)");
    expect(allText(message)).toContain("usage up 40% on last month (+14 pts)");
    expect(allText(message)).not.toMatch(/attention|urgent|alert/i);
  });

  it("words a worsening sent as a report without alarm", () => {
    const message = slackMessage(
      tierChanged({ alert: "report", previousTier: "healthy", tier: "at-risk", score: 65 }),
    );

    expect(message.text).toMatch(/^🟠 Acme Corp moved: healthy → at-risk/);
    expect(allText(message)).not.toMatch(/needs attention|urgent alert/i);
  });

  it("says when a customer can no longer be scored", () => {
    const message = slackMessage(tierChanged({ alert: "report", tier: "unknown", score: null }));

    expect(message.text).toBe(
      "⚪ Acme Corp: not enough recent data to score (healthy → unknown) · score 72 → no score",
    );
  });

  it("falls back to the account id and leaves the owner out when unknown", () => {
    const message = slackMessage(tierChanged({ accountName: null, owner: null }));

    expect(message.text).toMatch(/^🔴 acct-42 needs attention/);
    expect(allText(message)).not.toContain("Owner:");
  });

  it("keeps an owner given as an email address or @handle as it is", () => {
    expect(texts(slackMessage(tierChanged({ owner: "jane@acme.test" })))).toContain(
      "Owner: jane@acme.test",
    );
    expect(texts(slackMessage(tierChanged({ owner: "@jane" })))).toContain("Owner: @jane");
  });

  it("escapes mrkdwn control characters from tool-supplied text", () => {
    const message = slackMessage(
      tierChanged({
        accountName: "<!channel> & Co",
        drivers: [{ component: "support", impact: -5, reason: "ticket <urgent> & open" }],
      }),
    );

    expect(message.text).toContain("&lt;!channel&gt; &amp; Co");
    expect(allText(message)).toContain("ticket &lt;urgent&gt; &amp; open");
    // The header is plain text: shown as typed, never parsed.
    expect(message.blocks[0]).toMatchObject({ text: { type: "plain_text" } });
  });

  it("says so when no driver stood out", () => {
    expect(allText(slackMessage(tierChanged({ drivers: [] })))).toContain(
      "No single component stood out.",
    );
  });

  it("keeps the header within Slack's 150 characters", () => {
    const message = slackMessage(tierChanged({ accountName: "A".repeat(300) }));
    const header = message.blocks[0] as { text: { text: string } };

    expect(header.text.text.length).toBeLessThanOrEqual(150);
  });
});

describe("emailMessage", () => {
  it("gives a tier change a subject and body with customer, tiers, score and drivers", () => {
    // Act
    const email = emailMessage(tierChanged());
    // Assert
    expect(email.subject).toBe("[Customer health] Acme Corp: healthy → critical");
    expect(email.text).toBe(
      [
        "Customer health: tier change",
        "",
        "Customer: Acme Corp",
        "Account: acct-42",
        "Tier: healthy → critical",
        "Score: 72 → 48",
        "Top drivers:",
        "1. no product usage for 21 days",
        "2. 4 urgent tickets opened in the last week",
        "3. last payment failed",
        "Owner: jane.doe",
        "Model version: 2025.06-1",
      ].join("\n"),
    );
  });

  it("gives a drop its window and leaves out missing lines", () => {
    const email = emailMessage(scoreDropped());

    expect(email.subject).toBe("[Customer health] Globex: score dropped 24 points in 7 days");
    expect(email.text).toContain("Score: 81 → 57 within 7 days");
    expect(email.text).toContain("2. 4 urgent tickets opened in the last week");
    expect(email.text).not.toContain("3. ");
    expect(email.text).not.toContain("Owner:");
  });

  it("names the account by id when it has no name", () => {
    const email = emailMessage(tierChanged({ accountName: null, displayName: "acct-42" }));

    expect(email.subject).toBe("[Customer health] acct-42: healthy → critical");
    expect(email.text).toContain("Customer: acct-42");
    expect(email.text).not.toContain("null");
    expect(email.text).toContain("Account: acct-42");
  });

  it("says so when no driver stood out", () => {
    expect(emailMessage(tierChanged({ drivers: [] })).text).toContain(
      "Top drivers: none stood out",
    );
  });
});

describe("EMAIL_TEMPLATE_LINES", () => {
  /** What EventBridge's input transformer does: look each path up in the bus event. */
  function transform(event: HealthEvent): string {
    const busEvent = { "detail-type": event.detailType, detail: event.detail };
    return renderEmailTemplate(event.detailType, (_, path) => {
      const value = path
        .slice(2)
        .split(/\.|\[(\d+)\]/)
        .filter(Boolean)
        .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], busEvent);
      return String(value);
    });
  }

  it.each([
    ["a tier change", tierChanged({ score: 48 })],
    ["a score drop", scoreDropped({ owner: "sam", drivers: DRIVERS })],
  ])("gives the same text as emailMessage for %s with every field present", (_, event) => {
    expect(transform(event)).toBe(emailMessage(event).text);
  });

  it("uses only placeholders that have a path", () => {
    const used = Object.values(EMAIL_TEMPLATE_LINES)
      .flat()
      .flatMap((line) => [...line.matchAll(/<(\w+)>/g)].map((m) => m[1]));

    expect(used.every((name) => name !== undefined && name in EMAIL_TEMPLATE_PATHS)).toBe(true);
  });
});
