/**
 * One simulated customer: drawn once from its archetype's profile, then asked day by day
 * for the generic webhook events it sends that day. Every draw comes from the customer's
 * own seeded generator, so customer i is the same whatever the size of the simulation.
 */
import type { Random } from "../random.ts";
import {
  type Archetype,
  type Bend,
  ORDINARY,
  PROFILES,
  type Profile,
  seasonalFactor,
  troubleBend,
} from "./archetypes.ts";
import type { Mix } from "./mixes.ts";

/** One generic webhook payload, with its time as epoch milliseconds for ordering. */
export interface SimEvent {
  readonly t: number;
  readonly id: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

const CALM_TEXTS = [
  "Thanks for the help, quick question about exporting a report",
  "How do we add a new teammate to the workspace?",
  "Great product, we would like to know more about the API",
  "Small question about invoices, nothing urgent",
];
const ANGRY_TEXTS = [
  "This is broken again and we are losing time, very frustrated",
  "Still not fixed. Terrible experience, we are considering alternatives",
  "Awful, the sync failed again and nobody answers. Unacceptable",
  "Worst week ever with this bug, disappointed and angry",
];
const PRIORITIES = ["low", "normal", "high", "urgent"] as const;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(x)));
const DAY_MS = 86_400_000;

export class SimulatedCustomer {
  readonly profile: Profile;
  /** The day the customer churns (may lie past the window), or null when it never does. */
  readonly churnDay: number | null;
  /** The first day of the trouble phase, or null when it has none. */
  readonly troubleStart: number | null;
  /** The end of the trouble phase: the churn day, or the day a retained customer recovers. */
  readonly troubleEnd: number | null;
  private seats: number;
  private readonly features: readonly string[];
  private readonly annual: boolean;
  private renewsAtDay: number;
  /** The day it sets its subscription to cancel at the period's end, or null. */
  readonly cancelScheduledDay: number | null;
  private cancelScheduled = false;
  private readonly anchor: number;
  private readonly surveyOffset: number;
  private readonly season: { period: number; phase: number };
  private readonly pending = new Map<number, SimEvent[]>();
  private sequence = 0;
  private tickets = 0;

  constructor(
    readonly accountId: string,
    readonly archetype: Archetype,
    readonly startDay: number,
    private readonly mix: Mix,
    private readonly rng: Random,
    private readonly origin: number,
    days: number,
  ) {
    const p = PROFILES[archetype];
    this.profile = p;
    this.seats = Math.max(1, Math.round(rng.uniform(p.seats[0], p.seats[1]) * mix.seatScale));
    const names = Object.keys(mix.vocabulary.features);
    const featureCount = Math.min(names.length, rng.int(p.features[0], p.features[1]));
    this.features = [...names].sort(() => rng.next() - 0.5).slice(0, featureCount);
    this.annual = rng.chance(mix.annualShare);
    this.anchor = rng.int(0, 29);
    this.renewsAtDay = startDay + (this.annual ? rng.int(20, 365) : this.anchor + 1);
    this.surveyOffset = rng.int(0, 89);
    this.season = { period: rng.int(56, 91), phase: rng.int(0, 90) };
    const lead = rng.int(p.leadDays[0], p.leadDays[1]);
    const troubled = lead > 0 || rng.chance(p.churnProbability);
    const earliest = startDay + lead + 20;
    const end = troubled ? rng.int(earliest, Math.max(earliest, days + 60)) : null;
    this.troubleEnd = end;
    this.troubleStart = end === null ? null : end - lead;
    // A sudden churner (no lead) was drawn as troubled by its churn probability already.
    this.churnDay = end !== null && (lead === 0 || rng.chance(p.churnProbability)) ? end : null;
    const cancelShare = mix.scheduledCancelShare * (this.churnDay !== null ? 1 : 0.2);
    this.cancelScheduledDay =
      end !== null && rng.chance(cancelShare) ? Math.max(startDay, end - rng.int(3, 30)) : null;
  }

  /** The events of `day` (0-based from the simulation's origin), in no particular order. */
  eventsOn(day: number): SimEvent[] {
    const out = this.pending.get(day) ?? [];
    this.pending.delete(day);
    if (day < this.startDay || (this.churnDay !== null && day > this.churnDay)) return out;
    if (day === this.churnDay) {
      this.emit(out, day, "subscription", { status: "canceled", mrr: 0, seats: this.seats });
      return out;
    }
    if (day === this.startDay) this.onboard(out, day);
    this.scheduleCancellation(out, day);
    const bend = this.bendOn(day);
    this.billing(out, day);
    this.usage(out, day, bend);
    this.support(out, day, bend);
    this.surveys(out, day, bend);
    return out;
  }

  private inTrouble(day: number): boolean {
    return this.troubleStart !== null && day >= this.troubleStart && day < (this.troubleEnd ?? 0);
  }

  private bendOn(day: number): Bend {
    if (!this.inTrouble(day) || this.troubleStart === null || this.troubleEnd === null) {
      return ORDINARY;
    }
    const span = Math.max(1, this.troubleEnd - this.troubleStart);
    return troubleBend(this.archetype, (day - this.troubleStart) / span);
  }

  private emit(out: SimEvent[], day: number, type: string, data: Record<string, unknown>): void {
    const t = this.origin + day * DAY_MS + this.rng.int(8 * 3600, 20 * 3600 - 1) * 1000;
    this.sequence++;
    out.push({
      t,
      id: `${this.accountId}-${this.sequence}`,
      type,
      data: { account_id: this.accountId, ...data },
    });
  }

  private later(day: number, type: string, data: Record<string, unknown>): void {
    const list = this.pending.get(day) ?? [];
    this.emit(list, day, type, data);
    this.pending.set(day, list);
  }

  private subscription(status: string): Record<string, unknown> {
    const plan = this.mix.vocabulary.plans.find((p) => this.seats <= p.maxSeats);
    return {
      status,
      mrr: this.seats * this.mix.seatPrice,
      currency: this.mix.currency,
      seats: this.seats,
      plan: plan?.name,
      renews_at: new Date(this.origin + this.renewsAtDay * DAY_MS).toISOString(),
      ...(this.cancelScheduled ? { cancel_at_period_end: true } : {}),
    };
  }

  /**
   * A customer on its way out sets the subscription to end at the period's end (the churn
   * day, for a churner); one that is won back takes it back on the day it recovers.
   */
  private scheduleCancellation(out: SimEvent[], day: number): void {
    if (day === this.cancelScheduledDay) {
      this.cancelScheduled = true;
      this.renewsAtDay = this.troubleEnd ?? this.renewsAtDay;
      this.emit(out, day, "subscription", this.subscription("active"));
    } else if (this.cancelScheduled && this.churnDay === null && day === this.troubleEnd) {
      this.cancelScheduled = false;
      this.emit(out, day, "subscription", {
        ...this.subscription("active"),
        cancel_at_period_end: false,
      });
    }
  }

  private onboard(out: SimEvent[], day: number): void {
    const isNew = day > 0;
    this.emit(out, day, "subscription", this.subscription(isNew ? "trialing" : "active"));
    const milestones = this.mix.vocabulary.milestones;
    const reached = Math.round(milestones.length * this.profile.milestoneShare);
    milestones.slice(0, reached).forEach((name, i) => {
      if (isNew) this.later(day + i * this.rng.int(1, 7), "milestone", { name });
      else this.emit(out, day, "milestone", { name });
    });
    if (isNew) this.later(day + 14, "subscription", this.subscription("active"));
  }

  private billing(out: SimEvent[], day: number): void {
    const amount = { amount: this.seats * this.mix.seatPrice, currency: this.mix.currency };
    const start = this.troubleStart;
    if (this.archetype === "billing-failure" && start !== null && this.inTrouble(day)) {
      const since = day - start;
      if (since % 6 === 0) this.emit(out, day, "payment", { status: "failed", ...amount });
      if (since === 0) this.emit(out, day, "subscription", this.subscription("past_due"));
      if (since === 14) this.emit(out, day, "subscription", this.subscription("unpaid"));
      return;
    }
    if (this.archetype === "billing-failure" && day === this.troubleEnd) {
      this.emit(out, day, "payment", { status: "succeeded", ...amount });
      this.emit(out, day, "subscription", this.subscription("active"));
    }
    if (this.archetype === "downgrade-then-leave" && day === start) {
      const removed = Math.max(1, Math.round(this.seats * this.rng.uniform(0.4, 0.7)));
      this.seats = Math.max(1, this.seats - removed);
      const event = this.mix.vocabulary.badEvents.seatRemoved;
      this.emit(out, day, "usage", { event, count: removed });
      this.emit(out, day, "subscription", this.subscription("active"));
    }
    if (day < this.startDay + 14 || (day - this.anchor) % 30 !== 0) return;
    if (this.rng.chance(0.03)) {
      // An ordinary card failure, recovered by the retry a few days later.
      this.emit(out, day, "payment", { status: "failed", ...amount });
      this.later(day + this.rng.int(2, 5), "payment", { status: "succeeded", ...amount });
    } else {
      this.emit(out, day, "payment", { status: "succeeded", ...amount });
    }
    if (this.rng.chance(0.004)) this.emit(out, day, "payment", { status: "refunded", ...amount });
    if (day >= this.renewsAtDay) {
      this.renewsAtDay += this.annual ? 365 : 30;
      this.emit(out, day, "subscription", this.subscription("active"));
    }
  }

  private usage(out: SimEvent[], day: number, bend: Bend): void {
    const season =
      this.archetype === "seasonal"
        ? seasonalFactor(day, this.season.period, this.season.phase)
        : 1;
    if (!this.rng.chance(this.profile.activeDayRate * bend.active * season)) return;
    const vocabulary = this.mix.vocabulary;
    const intensity = this.seats * this.profile.usagePerSeat * bend.usage * season;
    const count = Math.max(1, this.rng.poisson(intensity));
    this.emit(out, day, "usage", { event: vocabulary.coreEvent, count });
    // At most two feature events a day (one line each, to keep datasets small); over a
    // month of active days a customer touches each of its features several times.
    const featureLines = Math.min(2, this.rng.poisson(0.7 * Math.min(1, bend.usage + 0.2)));
    for (let k = 0; k < featureLines && this.features.length > 0; k++) {
      const feature = this.rng.pick(this.features);
      const event = vocabulary.features[feature] as string;
      const uses = 1 + this.rng.poisson(this.seats * 0.2 * bend.usage);
      this.emit(out, day, "usage", { event, count: uses, feature });
    }
    const errors = this.rng.poisson(count * bend.errors);
    if (errors > 0)
      this.emit(out, day, "usage", { event: vocabulary.badEvents.error, count: errors });
    const leaving = this.churnDay !== null && this.churnDay - day === 3;
    if (leaving && this.rng.chance(0.35)) {
      this.emit(out, day, "usage", { event: vocabulary.badEvents.exportAll, count: 1 });
    }
  }

  private support(out: SimEvent[], day: number, bend: Bend): void {
    const rate = (this.seats ** 0.7 * this.profile.ticketsPerSeatMonth * bend.tickets) / 30;
    for (let k = this.rng.poisson(rate); k > 0; k--) {
      this.tickets++;
      const ticket_id = `${this.accountId}-t${this.tickets}`;
      const urgent = this.rng.chance(bend.urgentShare);
      const priority = urgent
        ? this.rng.pick(PRIORITIES.slice(2))
        : this.rng.pick(PRIORITIES.slice(0, 2));
      const text = this.rng.pick(this.rng.chance(bend.angryText) ? ANGRY_TEXTS : CALM_TEXTS);
      this.emit(out, day, "ticket", { ticket_id, status: "open", priority, text });
      const solved = day + this.rng.int(1, urgent ? 12 : 6);
      this.later(solved, "ticket", { ticket_id, status: "solved" });
      if (this.rng.chance(0.35)) this.later(solved, "csat", { score: this.answer(bend, 5) });
      if (this.rng.chance(bend.reopen)) {
        const reopened = solved + this.rng.int(1, 4);
        this.later(reopened, "ticket", { ticket_id, status: "reopened", priority });
        this.later(reopened + this.rng.int(2, 8), "ticket", { ticket_id, status: "solved" });
      }
    }
  }

  private surveys(out: SimEvent[], day: number, bend: Bend): void {
    const response = this.profile.surveyResponse * bend.surveyResponse;
    if ((day - this.surveyOffset) % 90 === 0 && this.rng.chance(response)) {
      this.emit(out, day, "nps", { score: this.answer(bend, 10) });
    }
    if (bend.mood < -2 && this.rng.chance(0.02 * response)) {
      this.emit(out, day, "nps", { score: this.answer(bend, 10) });
    }
    if (this.rng.chance(0.006 * response))
      this.emit(out, day, "ces", { score: this.answer(bend, 7) });
  }

  /** An answer on a 0-10 (NPS), 1-5 (CSAT) or 1-7 (CES) scale, following the mood. */
  private answer(bend: Bend, scale: 10 | 5 | 7): number {
    const mood = (this.profile.npsMean + bend.mood) / 10; // 0..1
    if (scale === 10) return clamp(this.rng.normal(mood * 10, 1.6), 0, 10);
    return clamp(this.rng.normal(1 + mood * (scale - 1), 0.8), 1, scale);
  }
}
