// One replica runs the sync loop: the one that holds the Lease <namespace>/<name>. Every replica
// tries every renewEvery; the holder renews, the others take it over once it has not been renewed
// for its duration. Writes carry the resourceVersion read, so two replicas racing for an expired
// Lease cannot both win (the loser's update is a 409 Conflict).
import { ApiException, KubeConfig, KubernetesObjectApi, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { leaseAction } from '../../domain/k8s/lease.js';
import { labels } from '../../domain/k8s/manifests.js';

export interface LeaseOptions {
  namespace: string;
  name: string;
  /** This replica (its pod name). */
  identity: string;
  /** Where this replica's API answers for the others (written on the Lease while it leads). */
  url?: string;
  durationSeconds?: number;
}

/** The annotation on the Lease that tells the other replicas where the leader's API answers. */
export const LEADER_URL_ANNOTATION = 'opus.dev/leader-url';

export class LeaseElector {
  private leaderUntil = 0;
  /** The URL the current holder wrote on the Lease, while another replica holds it. */
  private holderUrl: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly duration: number;

  constructor(
    private readonly api: KubernetesObjectApi,
    private readonly options: LeaseOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.duration = options.durationSeconds ?? 15;
  }

  static fromConfig(kc: KubeConfig, options: LeaseOptions): LeaseElector {
    return new LeaseElector(KubernetesObjectApi.makeApiClient(kc), options);
  }

  /** True while the last successful renew is younger than the lease's duration. */
  isLeader(): boolean {
    return this.now() < this.leaderUntil;
  }

  leaderUrl(): string | undefined {
    return this.isLeader() ? this.options.url : this.holderUrl;
  }

  /** One attempt to acquire or renew; true when this replica holds the Lease afterwards. */
  async tryAcquire(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const started = this.now();
    let current: V1Lease | undefined;
    try {
      current = await this.api.read<V1Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace } });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    }
    const action = leaseAction(current && { holder: current.spec?.holderIdentity, renewTime: current.spec?.renewTime, durationSeconds: current.spec?.leaseDurationSeconds }, identity, started);
    if (action === 'wait') {
      this.leaderUntil = 0;
      this.holderUrl = current?.metadata?.annotations?.[LEADER_URL_ANNOTATION];
      return false;
    }
    this.holderUrl = undefined;
    const at = new V1MicroTime(started);
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: this.duration,
      renewTime: at,
      acquireTime: action === 'renew' ? current?.spec?.acquireTime : at,
      leaseTransitions: (current?.spec?.leaseTransitions ?? 0) + (action === 'take' ? 1 : 0),
    };
    const lease: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace, labels: labels('server'), ...(this.options.url ? { annotations: { [LEADER_URL_ANNOTATION]: this.options.url } } : {}), ...(current?.metadata?.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}) }, spec };
    try {
      if (action === 'create') await this.api.create(lease);
      else await this.api.replace(lease);
    } catch (error) {
      // Someone else wrote it first (409), or created it first: not ours this round.
      if (error instanceof ApiException && error.code === 409) {
        this.leaderUntil = 0;
        return false;
      }
      throw error;
    }
    this.leaderUntil = started + this.duration * 1000;
    return true;
  }

  /** Tries now and every renewEveryMs (default a third of the duration); errors count as not leading. */
  start(onChange?: (leader: boolean) => void, renewEveryMs = (this.duration * 1000) / 3): void {
    let was = false;
    const tick = async () => {
      const leader = await this.tryAcquire().catch(() => {
        this.holderUrl = undefined;
        return false;
      });
      if (leader !== was) onChange?.(leader);
      was = leader;
      this.timer = setTimeout(() => void tick(), renewEveryMs);
      this.timer.unref();
    };
    void tick();
  }

  /** Stops trying and gives the Lease up (holder cleared) so another replica takes over at once. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    if (!this.isLeader()) return;
    this.leaderUntil = 0;
    const { namespace, name } = this.options;
    const current = await this.api.read<V1Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace } }).catch(() => undefined);
    if (current?.spec?.holderIdentity !== this.options.identity) return;
    await this.api.replace({ ...current, spec: { ...current.spec, holderIdentity: undefined } }).catch(() => undefined);
  }
}
