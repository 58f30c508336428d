import { setTimeout as sleep } from 'node:timers/promises';

/** Zendesk's endpoint limits for ticket updates (DESIGN.md §4) with headroom for agents and other apps. */
export interface TicketLimitSettings {
  /** Update-ticket requests per minute per account (Zendesk: 100). */
  updateRequestsPerMinute: number;
  /** Updates of one ticket per 10 minutes (Zendesk: 30). */
  updatesPerTicketPer10Min: number;
  /** Search requests per minute (Zendesk's search export: 100). */
  searchesPerMinute: number;
  /** Window of the per-minute limits (60 s; shorter only where a test scales Zendesk's limits down). */
  minuteWindowMs?: number;
  /** Window of the per-ticket limit (10 minutes; shorter only where a test scales Zendesk's limits down). */
  perTicketWindowMs?: number;
}

export const DEFAULT_TICKET_LIMITS: TicketLimitSettings = {
  updateRequestsPerMinute: 60,
  updatesPerTicketPer10Min: 10,
  searchesPerMinute: 60,
};

/** Times of the events in a sliding window. */
class SlidingWindow {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #times: number[] = [];

  constructor(limit: number, windowMs: number, now: () => number) {
    this.#limit = Math.max(1, limit);
    this.#windowMs = windowMs;
    this.#now = now;
  }

  #trim(): void {
    const horizon = this.#now() - this.#windowMs;
    while (this.#times.length > 0 && (this.#times[0] ?? 0) <= horizon) this.#times.shift();
  }

  tryTake(): boolean {
    this.#trim();
    if (this.#times.length >= this.#limit) return false;
    this.#times.push(this.#now());
    return true;
  }

  /** How long until a slot frees up. */
  waitMs(): number {
    this.#trim();
    return this.#times.length < this.#limit ? 0 : (this.#times[0] ?? 0) + this.#windowMs - this.#now() + 1;
  }

  /** How long until `slots` slots are free at once. */
  waitForMs(slots: number): number {
    this.#trim();
    const missing = Math.min(slots, this.#limit) - (this.#limit - this.#times.length);
    return missing <= 0 ? 0 : (this.#times[missing - 1] ?? 0) + this.#windowMs - this.#now() + 1;
  }

  available(): number {
    this.#trim();
    return Math.max(0, this.#limit - this.#times.length);
  }

  get empty(): boolean {
    this.#trim();
    return this.#times.length === 0;
  }
}

/**
 * One tenant's ticket update and search limits, counted by us before Zendesk counts them: a request waits
 * for its per-minute slot; a ticket at its 10-minute limit is left for later (its record stays pending).
 */
export class TicketUpdateLimits {
  readonly #settings: TicketLimitSettings;
  readonly #now: () => number;
  readonly #updates: SlidingWindow;
  readonly #searches: SlidingWindow;
  readonly #perTicket = new Map<number, SlidingWindow>();

  constructor(settings: TicketLimitSettings = DEFAULT_TICKET_LIMITS, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
    const minute = settings.minuteWindowMs ?? 60_000;
    this.#updates = new SlidingWindow(settings.updateRequestsPerMinute, minute, now);
    this.#searches = new SlidingWindow(settings.searchesPerMinute, minute, now);
  }

  async acquireUpdateRequest(): Promise<void> {
    while (!this.#updates.tryTake()) await sleep(this.#updates.waitMs());
  }

  async acquireSearch(): Promise<void> {
    while (!this.#searches.tryTake()) await sleep(this.#searches.waitMs());
  }

  /** Search slots free right now. */
  searchesAvailable(): number {
    return this.#searches.available();
  }

  /** How long until `slots` search slots are free at once (0 when they are). */
  searchWaitMs(slots = 1): number {
    return this.#searches.waitForMs(slots);
  }

  /** Searches per window kept free for sweeps and changed records (a backlog never starves them). */
  get searchReserve(): number {
    return Math.max(1, Math.ceil(this.#settings.searchesPerMinute / 4));
  }

  /** Takes one of the ticket's 10-minute update slots, or says it has none left. */
  tryReserveTicket(ticketId: number): boolean {
    let window = this.#perTicket.get(ticketId);
    if (window === undefined) {
      if (this.#perTicket.size > 50_000) this.#forgetIdle();
      window = new SlidingWindow(
        this.#settings.updatesPerTicketPer10Min,
        this.#settings.perTicketWindowMs ?? 600_000,
        this.#now,
      );
      this.#perTicket.set(ticketId, window);
    }
    return window.tryTake();
  }

  #forgetIdle(): void {
    for (const [ticketId, window] of this.#perTicket) if (window.empty) this.#perTicket.delete(ticketId);
  }
}
