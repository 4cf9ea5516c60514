// One replica runs the sync loop: the one that holds the Lease <namespace>/<name>. Every replica
// tries every retry period. Decisions follow client-go's leaderelection (see domain/k8s/lease.ts):
// expiry is judged on this replica's monotonic clock from when it saw the record change, the
// holder steps down when it could not renew within its renew deadline, and every API call has a
// timeout, so one call that never answers cannot stall the elector. Writes carry the
// resourceVersion read, so two replicas racing for an expired Lease cannot both win (the loser's
// update is a 409 Conflict).
import { performance } from 'node:perf_hooks';
import { ApiException, KubeConfig, KubernetesObjectApi, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { leaseAction, leaseTiming, observe, untilExpiry, type LeaseObservation, type LeaseTiming } from '../../domain/k8s/lease.js';
import { labels } from '../../domain/k8s/manifests.js';

export interface LeaseOptions {
  namespace: string;
  name: string;
  /** This replica (its pod name). */
  identity: string;
  /** Where this replica's API answers for the others (written on the Lease while it leads). */
  url?: string;
  durationSeconds?: number;
  /** Below durationSeconds; default two thirds of it (client-go: 10 s of 15 s). */
  renewDeadlineSeconds?: number;
  /** Default durationSeconds / 7.5 (client-go: 2 s of 15 s). */
  retrySeconds?: number;
}

/** The clocks the elector reads: a monotonic one for every decision, the wall clock only for the renewTime it writes. */
export interface ElectorClock {
  monotonic(): number;
  wall(): number;
}

export const SYSTEM_CLOCK: ElectorClock = { monotonic: () => performance.now(), wall: () => Date.now() };

/** The annotation on the Lease that tells the other replicas where the leader's API answers. */
export const LEADER_URL_ANNOTATION = 'opus.dev/leader-url';

export class LeaseElector {
  /** Monotonic time until which this replica leads (its last successful renew's start + the renew deadline). */
  private leaderUntil = Number.NEGATIVE_INFINITY;
  private seen: LeaseObservation | undefined;
  /** The URL the current holder wrote on the Lease, while another replica holds it. */
  private holderUrl: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The acquire or renew of start()'s loop under way: stop() waits for it, since its write may still land. */
  private attempt: Promise<unknown> | undefined;
  private heldTerm: number | undefined;
  private readonly listeners: ((leading: boolean) => void)[] = [];
  readonly timing: LeaseTiming;

  constructor(
    private readonly api: KubernetesObjectApi,
    private readonly options: LeaseOptions,
    private readonly clock: ElectorClock = SYSTEM_CLOCK,
  ) {
    this.timing = leaseTiming(options.durationSeconds, options.renewDeadlineSeconds, options.retrySeconds);
  }

  static fromConfig(kc: KubeConfig, options: LeaseOptions, clock?: ElectorClock): LeaseElector {
    return new LeaseElector(KubernetesObjectApi.makeApiClient(kc), options, clock);
  }

  /** True until the renew deadline has passed since the start of the last successful renew. */
  isLeader(): boolean {
    return !this.stopped && this.clock.monotonic() < this.leaderUntil;
  }

  leaderUrl(): string | undefined {
    return this.isLeader() ? this.options.url : this.holderUrl;
  }

  /** One attempt to acquire or renew; true when this replica leads afterwards. */
  async tryAcquire(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const started = this.clock.monotonic();
    let current: V1Lease | undefined;
    try {
      current = await this.call(this.api.read<V1Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace } }), 'read');
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    }
    const view = current && { holder: current.spec?.holderIdentity, version: current.metadata?.resourceVersion };
    this.seen = observe(this.seen, view, this.clock.monotonic());
    const action = leaseAction(view, identity, this.seen, this.clock.monotonic(), this.timing);
    if (action === 'wait') {
      this.leaderUntil = Number.NEGATIVE_INFINITY;
      this.holderUrl = current?.metadata?.annotations?.[LEADER_URL_ANNOTATION];
      return false;
    }
    this.holderUrl = undefined;
    // Stopped while reading: nothing to take that stop() would have to give up.
    if (this.stopped) return false;
    const at = new V1MicroTime(this.clock.wall());
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.timing.durationMs / 1000),
      renewTime: at,
      acquireTime: action === 'renew' ? current?.spec?.acquireTime : at,
      leaseTransitions: (current?.spec?.leaseTransitions ?? 0) + (action === 'take' ? 1 : 0),
    };
    const lease: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, labels: labels('server'), ...(this.options.url ? { annotations: { [LEADER_URL_ANNOTATION]: this.options.url } } : {}), ...(current?.metadata?.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}) }, spec };
    let written: V1Lease;
    try {
      written = await this.call(action === 'create' ? this.api.create(lease) : this.api.replace(lease), 'write');
    } catch (error) {
      // Someone else wrote it first (409), or created it first: not ours this round.
      if (error instanceof ApiException && error.code === 409) {
        this.leaderUntil = Number.NEGATIVE_INFINITY;
        return false;
      }
      throw error;
    }
    this.seen = observe(this.seen, { holder: identity, version: written.metadata?.resourceVersion }, this.clock.monotonic());
    this.heldTerm = spec.leaseTransitions;
    this.leaderUntil = started + this.timing.renewDeadlineMs;
    return !this.stopped;
  }

  /** While this replica leads: the Lease's leaseTransitions, which grows with every change of holder (a fencing term). */
  term(): number | undefined {
    return this.isLeader() ? this.heldTerm : undefined;
  }

  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Tries now and every retry period; errors (and calls that time out) count as a failed renew. */
  start(onChange?: (leader: boolean) => void): void {
    if (onChange) this.listeners.push(onChange);
    let was = false;
    const notify = () => {
      const leader = this.isLeader();
      const changed = leader !== was;
      was = leader;
      if (changed) for (const listener of this.listeners) listener(leader);
    };
    const tick = async () => {
      this.attempt = this.tryAcquire().catch(() => {
        this.holderUrl = undefined;
      });
      await this.attempt;
      this.attempt = undefined;
      if (this.stopped) return;
      notify();
      // Step down the moment the renew deadline passes, even while a renew is still under way.
      clearTimeout(this.deadline);
      if (this.isLeader()) this.deadline = setTimeout(notify, this.leaderUntil - this.clock.monotonic()).unref();
      const wait = !this.isLeader() && this.seen ? Math.min(this.timing.retryMs, untilExpiry(this.seen, this.clock.monotonic(), this.timing)) : this.timing.retryMs;
      this.timer = setTimeout(() => void tick(), Math.max(wait, 10)).unref();
    };
    void tick();
  }

  /** Stops trying and gives the Lease up (holder cleared) so another replica takes over at once. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    const wasLeader = this.isLeader();
    this.stopped = true;
    // A take or renew under way may make this replica the holder after this call began: it is
    // given up too (its calls end within a retry period), or no one else could take over before it expires.
    const attempt = this.attempt;
    await attempt;
    if (!wasLeader && !attempt) return;
    const { namespace, name } = this.options;
    const current = await this.call(this.api.read<V1Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace } }), 'read').catch(() => undefined);
    if (current?.spec?.holderIdentity !== this.options.identity) return;
    await this.call(this.api.replace({ ...current, spec: { ...current.spec, holderIdentity: undefined } }), 'release').catch(() => undefined);
  }

  /** The call, or an error once it has taken longer than a retry period (it is abandoned, not awaited). */
  private call<T>(request: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`the Lease ${what} did not answer within ${this.timing.retryMs} ms`)), this.timing.retryMs);
    });
    request.catch(() => undefined); // a late failure of an abandoned call is of no interest
    return Promise.race([request, timeout]).finally(() => clearTimeout(timer));
  }
}
