// Slows a client down after repeated failed password checks: the first few are free, then each
// waits twice as long as the one before (up to a cap). Bookkeeping is bounded: past `maxClients`
// the oldest entries go. Pure: the caller passes the clock and does the waiting.

export interface BackoffLimits {
  freeFailures: number;
  baseMs: number;
  maxMs: number;
  /** A client that stayed quiet this long starts again from nothing. */
  forgetMs: number;
  maxClients: number;
}

export const PASSWORD_BACKOFF: BackoffLimits = { freeFailures: 3, baseMs: 250, maxMs: 10_000, forgetMs: 15 * 60_000, maxClients: 10_000 };

export class FailureBackoff {
  private readonly clients = new Map<string, { failures: number; at: number }>();

  constructor(private readonly limits: BackoffLimits = PASSWORD_BACKOFF) {}

  /** How long this client waits before its next check. */
  delayMs(client: string, now: number): number {
    const entry = this.current(client, now);
    const over = (entry?.failures ?? 0) - this.limits.freeFailures;
    return over < 0 ? 0 : Math.min(this.limits.baseMs * 2 ** over, this.limits.maxMs);
  }

  /** Counted before the check runs, so checks made in parallel wait too. */
  failed(client: string, now: number): void {
    const failures = (this.current(client, now)?.failures ?? 0) + 1;
    this.clients.delete(client);
    this.clients.set(client, { failures, at: now });
    while (this.clients.size > this.limits.maxClients) this.clients.delete(this.clients.keys().next().value as string);
  }

  succeeded(client: string): void {
    this.clients.delete(client);
  }

  get size(): number {
    return this.clients.size;
  }

  private current(client: string, now: number): { failures: number; at: number } | undefined {
    const entry = this.clients.get(client);
    if (entry && now - entry.at > this.limits.forgetMs) {
      this.clients.delete(client);
      return undefined;
    }
    return entry;
  }
}
