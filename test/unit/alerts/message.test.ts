import { describe, expect, it } from "vitest";
import { linesOf } from "../../../functions/alerts/email-message.ts";
import {
  emailMessage,
  emailTemplateLines,
  emailTemplatePaths,
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
  type HealthFlagRaised,
  type HealthScoreDropped,
  type HealthTierChanged,
} from "../../../functions/events/health-events.ts";

// The event carries at most the model's `alerts.topDrivers` (decide.ts cuts the lists).
const DRIVERS: HealthTierChanged["drivers"] = [
  { component: "engagement", impact: -12.4, reason: "no product usage for 21 days" },
  { component: "support", impact: -7, reason: "4 urgent tickets opened in the last week" },
  { component: "financial", impact: -3.2, reason: "last payment failed" },
];
const CANCEL_FLAG = {
  name: "cancelScheduled",
  component: "financial",
  tier: "critical",
  reason: "set to cancel at period end on Nov 12",
} as const;
const HOLDING_DOWN: HealthTierChanged["holdingDown"] = [
  {
    component: "financial",
    impact: -30,
    reason: "set to cancel at period end on Nov 12",
    flag: "cancelScheduled",
  },
  { component: "support", impact: -8, reason: "3 urgent tickets open" },
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
      holdingDown: HOLDING_DOWN,
      flags: [CANCEL_FLAG],
      customerPath: "/customers/acct-42",
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
      holdingDown: [],
      flags: [],
      customerPath: "/customers/acct-7",
      ...overrides,
    },
  };
}

function flagRaised(overrides: Partial<HealthFlagRaised> = {}): HealthEvent {
  const dispute = {
    name: "openDispute",
    component: "financial",
    tier: "at-risk",
    reason: "a payment dispute opened on Nov 3",
  } as const;
  return {
    detailType: DETAIL_TYPES.flagRaised,
    detail: {
      schemaVersion: HEALTH_EVENTS_SCHEMA_VERSION,
      eventId: "evt-flag-1",
      accountId: "münchen:42",
      accountName: "Initech",
      displayName: "Initech",
      owner: "Aisha Okafor",
      alert: "page",
      modelVersion: "2025.06-1",
      occurredAt: "2025-06-01T09:00:00.000Z",
      tier: "at-risk",
      score: 52.4,
      drivers: [{ component: "financial", impact: -6, reason: dispute.reason, flag: dispute.name }],
      holdingDown: [
        { component: "financial", impact: -6, reason: dispute.reason, flag: dispute.name },
        { component: "engagement", impact: -15, reason: "usage down 60% on last month" },
      ],
      flags: [dispute],
      raised: [dispute],
      customerPath: "/customers/m%C3%BCnchen%3A42",
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
        holdingDown: [],
        flags: [],
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

describe("slackMessage: what changed, what holds it down, red flags", () => {
  it("shows the two parts, labelled, each driver once, red flags first and named in words", () => {
    const message = slackMessage(tierChanged());
    const parts = texts(message);

    const changed = parts.find((t) => t.startsWith("*What changed*"));
    const holding = parts.find((t) => t.startsWith("*What holds it down*"));
    expect(changed?.split("\n")).toEqual([
      "*What changed*",
      "• no product usage for 21 days (\u221212 pts)",
      "• 4 urgent tickets opened in the last week (\u22127 pts)",
      "• last payment failed (\u22123 pts)",
    ]);
    expect(holding?.split("\n")).toEqual([
      "*What holds it down*",
      "🚩 Red flag: set to cancel at period end on Nov 12 (\u221230 pts)",
      "• 3 urgent tickets open (\u22128 pts)",
    ]);
  });

  it("says so in each part when it is empty", () => {
    const text = allText(slackMessage(tierChanged({ drivers: [], holdingDown: [] })));

    expect(text).toContain("*What changed*\nNo single component stood out.");
    expect(text).toContain("*What holds it down*\nNothing holds the score down.");
  });

  it("words a red flag raised without a tier change, marking the new flag as new", () => {
    const message = slackMessage(flagRaised());

    expect(message.blocks[0]).toMatchObject({
      text: { text: "🚩 Initech: red flag, a payment dispute opened on Nov 3" },
    });
    const text = allText(message);
    expect(text).toContain("🟠 at-risk (unchanged)");
    expect(text).toContain(
      "*What changed*\n🚩 New red flag: a payment dispute opened on Nov 3 (\u22126 pts)",
    );
    expect(text).toContain(
      "*What holds it down*\n🚩 Red flag: a payment dispute opened on Nov 3 (\u22126 pts)",
    );
    expect(message.text).toContain("tier stays at-risk, score 52");
  });
});

describe("slackMessage: dashboard link and owner mention", () => {
  it("links to the customer's page with the account id percent-encoded", () => {
    const message = slackMessage(flagRaised(), { dashboardUrl: "https://health.example.com/" });

    expect(allText(message)).toContain(
      "<https://health.example.com/customers/m%C3%BCnchen%3A42|Open Initech in the dashboard>",
    );
  });

  it("has no link without a dashboard URL", () => {
    expect(allText(slackMessage(flagRaised()))).not.toContain("dashboard");
  });

  it("mentions an owner whose Slack user id is known, for real", () => {
    const ids = new Map([["aisha okafor", "U024BE7LH"]]);
    const message = slackMessage(flagRaised(), {
      slackUserOf: (owner) => ids.get(owner.toLowerCase()),
    });

    expect(message.blocks).toContainEqual({
      type: "section",
      text: { type: "mrkdwn", text: "Owner: <@U024BE7LH>" },
    });
  });

  it("names an unknown owner as plain text, never as a mention", () => {
    const message = slackMessage(flagRaised(), { slackUserOf: () => undefined });

    expect(texts(message)).toContain("Owner: @Aisha Okafor");
    expect(allText(message)).not.toContain("<@");
  });
});

describe("emailMessage", () => {
  it("gives a tier change a subject and body with both parts, the flag, owner and link", () => {
    // Act
    const email = emailMessage(tierChanged(), { dashboardUrl: "https://health.example.com" });
    // Assert
    expect(email.subject).toBe("[Customer health] Acme Corp: healthy → critical");
    expect(email.text).toBe(
      [
        "Customer health: tier change",
        "",
        "Customer: Acme Corp",
        "Account: acct-42",
        "Tier: healthy → critical",
        "Score: 72 → 48 (\u221224)",
        "What changed:",
        "• no product usage for 21 days (\u221212 pts)",
        "• 4 urgent tickets opened in the last week (\u22127 pts)",
        "• last payment failed (\u22123 pts)",
        "What holds it down:",
        "🚩 Red flag: set to cancel at period end on Nov 12 (\u221230 pts)",
        "• 3 urgent tickets open (\u22128 pts)",
        "Owner: @jane.doe",
        "Customer page: https://health.example.com/customers/acct-42",
        "Model version: 2025.06-1",
      ].join("\n"),
    );
  });

  it("gives a drop its window and leaves out missing lines", () => {
    const email = emailMessage(scoreDropped());

    expect(email.subject).toBe("[Customer health] Globex: score dropped 24 points in 7 days");
    expect(email.text).toContain("Score: 81 → 57 within 7 days");
    expect(email.text).toContain("• 4 urgent tickets opened in the last week");
    expect(email.text).toContain("What holds it down:\nNothing holds the score down.");
    expect(email.text).not.toContain("Owner:");
    expect(email.text).not.toContain("Customer page:");
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
      "What changed:\nNo single component stood out.",
    );
  });

  it("words a red flag raised", () => {
    const email = emailMessage(flagRaised());

    expect(email.subject).toBe(
      "[Customer health] Initech: red flag: a payment dispute opened on Nov 3",
    );
    expect(email.text).toContain("Tier: at-risk (unchanged)");
    expect(email.text).toContain("🚩 New red flag: a payment dispute opened on Nov 3");
  });
});

describe("the AWS email template (EventBridge input transformer)", () => {
  /**
   * What EventBridge's input transformer does with a string template: each placeholder's
   * path is looked up in the bus event; a path that does not exist prints nothing (AWS: the
   * variable "isn't created and won't appear in the output").
   */
  function transform(event: HealthEvent, dashboardUrl?: string): string {
    const busEvent = { "detail-type": event.detailType, detail: event.detail };
    return renderEmailTemplate(
      event.detailType,
      (_, path) => {
        const value = path
          .slice(2)
          .split(/\.|\[(\d+)\]/)
          .filter(Boolean)
          .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], busEvent);
        return value === undefined ? "\u0000" : String(value);
      },
      { dashboardUrl },
    ).replaceAll("\u0000", "");
  }
  /** The event as the score function publishes it: with its ready-made lines. */
  const published = (event: HealthEvent): HealthEvent =>
    ({ ...event, detail: { ...event.detail, lines: linesOf(event) } }) as HealthEvent;
  const nonBlank = (text: string) => text.split("\n").filter((line) => line.trim() !== "");

  it.each([
    [
      "a tier change",
      tierChanged({ score: 48, holdingDown: [...HOLDING_DOWN, ...DRIVERS.slice(2)] }),
    ],
    ["a score drop", scoreDropped({ owner: "sam", drivers: DRIVERS, holdingDown: DRIVERS })],
    ["a red flag", flagRaised({ drivers: DRIVERS, holdingDown: DRIVERS })],
  ])("gives the same text as emailMessage for %s with every field present", (_, event) => {
    const url = "https://health.example.com";
    expect(transform(published(event), url)).toBe(emailMessage(event, { dashboardUrl: url }).text);
  });

  it("prints no stub, null or placeholder for fewer than three drivers and no owner", () => {
    const event = published(
      scoreDropped({ drivers: DRIVERS.slice(0, 1), holdingDown: [], owner: null }),
    );

    const aws = transform(event);

    expect(aws).not.toMatch(/null|undefined|<\w+>|^\d\. *$/m);
    // Only blank lines where the missing drivers would be; otherwise the local email's lines.
    expect(nonBlank(aws)).toEqual(nonBlank(emailMessage(event).text));
    expect(aws).toContain("What changed:\n• no product usage for 21 days (\u221212 pts)\n\n\n");
  });

  it("has one line per driver up to the model's topDrivers, and only placeholders with a path", () => {
    const lines = emailTemplateLines(DETAIL_TYPES.tierChanged, { slots: 5 });
    const paths = emailTemplatePaths(5);
    const used = lines.flatMap((line) => [...line.matchAll(/<(\w+)>/g)].map((m) => m[1] ?? ""));

    expect(used.filter((name) => name.startsWith("held"))).toHaveLength(5);
    expect(used.every((name) => name in paths)).toBe(true);
    expect(paths.held5).toBe("$.detail.lines.holdingDown[4]");
  });
});
