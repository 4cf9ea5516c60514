// When to try a failed hook delivery again, and when to give up. Pure: time and randomness come in.
// Exponential backoff with full jitter: the n-th retry waits a random time in [0, min(cap, base·factor^(n-1))).

export interface RetryPolicy {
  baseMs: number;
  factor: number;
  capMs: number;
  /** Give up after this many attempts of one series... */
  maxAttempts: number;
  /** ...or once this long has passed since the series began (the event, or its redelivery). */
  maxAgeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 1_000,
  factor: 2,
  capMs: 10 * 60_000,
  maxAttempts: 200,
  maxAgeMs: 24 * 60 * 60_000,
};

/** The upper bound of the wait after `failedAttempts` (≥ 1) failed attempts. */
export function backoffCeilingMs(failedAttempts: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  const exponent = Math.max(0, failedAttempts - 1);
  return Math.min(policy.capMs, policy.baseMs * policy.factor ** exponent);
}

/** The wait before the next attempt; `random` returns a number in [0, 1) like Math.random. */
export function backoffDelayMs(failedAttempts: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeilingMs(failedAttempts, policy));
}

/** True when a series with `attempts` failed attempts, begun at `seriesStartMs`, is given up at `nowMs`. */
export function shouldGiveUp(attempts: number, seriesStartMs: number, nowMs: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): boolean {
  return attempts >= policy.maxAttempts || nowMs - seriesStartMs >= policy.maxAgeMs;
}
