// Which replica runs the sync loop: the holder of a coordination.k8s.io Lease. Pure decisions.

export interface LeaseView {
  holder?: string;
  /** When the holder last renewed (a Date or an RFC 3339 string, as the client gives it). */
  renewTime?: Date | string;
  durationSeconds?: number;
}

/** create: there is none; renew: it is ours; take: its holder let it expire (or released it); wait: someone else holds it. */
export type LeaseAction = 'create' | 'renew' | 'take' | 'wait';

export function leaseAction(lease: LeaseView | undefined, me: string, now: number): LeaseAction {
  if (!lease) return 'create';
  if (lease.holder === me) return 'renew';
  if (!lease.holder) return 'take';
  const renewed = lease.renewTime === undefined ? Number.NaN : new Date(lease.renewTime).getTime();
  const expires = renewed + (lease.durationSeconds ?? 0) * 1000;
  return Number.isNaN(renewed) || expires < now ? 'take' : 'wait';
}
