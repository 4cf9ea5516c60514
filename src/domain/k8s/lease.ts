// Which replica runs the sync loop: the holder of a coordination.k8s.io Lease. Pure decisions, as
// client-go's leaderelection makes them: no replica trusts another's clock. A follower judges
// expiry from the moment (on its own monotonic clock) it first saw the current record, never from
// the holder's renewTime; the holder stops leading once it could not renew within its renew
// deadline, which is shorter than the lease duration, so it has stepped down before anyone may
// take over (as long as clocks run at the same rate, whatever their offsets).

export interface LeaseView {
  holder?: string;
  /** Changes at every write (the resourceVersion): what tells a follower the holder is alive. */
  version?: string;
}

/** When this replica first saw the record it holds now (monotonic milliseconds). */
export interface LeaseObservation {
  version: string | undefined;
  holder: string | undefined;
  seenAt: number;
}

export interface LeaseTiming {
  /** How long followers wait after the last change they saw before they take over. */
  durationMs: number;
  /** How long the holder keeps leading after its last successful renew began. */
  renewDeadlineMs: number;
  /** How often every replica tries. */
  retryMs: number;
}

/** client-go's defaults: 15 s, 10 s, 2 s. */
export const DEFAULT_LEASE_TIMING: LeaseTiming = { durationMs: 15_000, renewDeadlineMs: 10_000, retryMs: 2_000 };

export function leaseTiming(durationSeconds = 15, renewDeadlineSeconds?: number, retrySeconds?: number): LeaseTiming {
  const durationMs = durationSeconds * 1000;
  const renewDeadlineMs = (renewDeadlineSeconds ?? (durationSeconds * 2) / 3) * 1000;
  const retryMs = (retrySeconds ?? durationSeconds / 7.5) * 1000;
  if (!(renewDeadlineMs < durationMs)) throw new Error(`the renew deadline (${renewDeadlineMs} ms) must be shorter than the lease duration (${durationMs} ms)`);
  if (!(retryMs < renewDeadlineMs)) throw new Error(`the retry period (${retryMs} ms) must be shorter than the renew deadline (${renewDeadlineMs} ms)`);
  return { durationMs, renewDeadlineMs, retryMs };
}

/** The observation after reading the Lease at `now`: unchanged when the record is the one seen before. */
export function observe(previous: LeaseObservation | undefined, lease: LeaseView | undefined, now: number): LeaseObservation {
  if (previous && previous.version === lease?.version && previous.holder === lease?.holder) return previous;
  return { version: lease?.version, holder: lease?.holder, seenAt: now };
}

/** create: there is none; renew: it is ours; take: its holder let it expire (or released it); wait: someone else holds it. */
export type LeaseAction = 'create' | 'renew' | 'take' | 'wait';

export function leaseAction(lease: LeaseView | undefined, me: string, seen: LeaseObservation, now: number, timing: LeaseTiming): LeaseAction {
  if (!lease) return 'create';
  if (lease.holder === me) return 'renew';
  if (!lease.holder) return 'take';
  return now >= seen.seenAt + timing.durationMs ? 'take' : 'wait';
}

/** How long a follower may sleep before the record it saw could expire (so takeover is not late by a retry period). */
export function untilExpiry(seen: LeaseObservation, now: number, timing: LeaseTiming): number {
  return Math.max(0, seen.seenAt + timing.durationMs - now);
}
