// Keeps an ACME certificate for every name Opus serves: orders the dashboard's host and each project
// domain ahead, preview hosts on their first handshake (rate limited, served hosts only), renews a
// third of the lifetime before expiry, and retries failures with backoff while the old certificate
// keeps serving. With a shared store, only the leader orders; every replica loads what is stored.
import { backoffCeilingMs, type RetryPolicy } from '../../domain/backoff.js';
import { errorMessage } from '../../domain/errors.js';
import { allowedByRate, renewAtMs, servedHostKind, type ServedHosts } from '../../domain/tls-names.js';
import type { CertificateIssuer, ChallengeResponder } from '../../ports/certificate-issuer.js';
import type { CertificateStore, StoredCertificate } from '../../ports/certificate-store.js';
import type { EventSink } from '../../ports/event-sink.js';
import type { Leadership } from '../../ports/leadership.js';
import type { Logger } from '../logger.js';

/** What the serving side knows of an installed certificate. */
export interface InstalledCertificate {
  notBefore: Date;
  notAfter: Date;
}

export interface CertificateManagerDeps {
  issuer: CertificateIssuer;
  store: CertificateStore;
  challenges: ChallengeResponder;
  /** Puts a pair into the serving table (throws when it is unusable). */
  install(name: string, pair: StoredCertificate): InstalledCertificate;
  /** What the serving table has for exactly this name from ACME. */
  installed(name: string): InstalledCertificate | undefined;
  served: () => ServedHosts;
  /** Whether ACME is configured now (an email by flag, env or opus.yaml): without, nothing is ordered. */
  active: () => boolean;
  /** Names ordered ahead of any request (see namesToOrder). */
  wanted: () => string[];
  events: EventSink;
  logger: Logger;
  leader?: Leadership;
  /** On-demand orders for preview hosts: at most `limit` per `windowMs`; false turns them off. */
  onDemand?: { limit: number; windowMs: number } | false;
  retry?: Pick<RetryPolicy, 'baseMs' | 'factor' | 'capMs'>;
  now?: () => number;
}

export interface CertificateStatus {
  name: string;
  /** ACME, or own certificate files. */
  source?: 'acme' | 'files';
  notAfter?: string;
  renewAt?: string;
  /** The last failure, while it is not yet fixed by a success. */
  error?: string;
  failedAt?: string;
  nextAttemptAt?: string;
}

interface Failure {
  attempts: number;
  error: string;
  failedAt: number;
  nextAttemptAt: number;
}

const RETRY = { baseMs: 60_000, factor: 2, capMs: 6 * 3_600_000 };
const ON_DEMAND = { limit: 20, windowMs: 3_600_000 };

export class CertificateManager {
  private readonly failures = new Map<string, Failure>();
  private readonly ordering = new Map<string, Promise<boolean>>();
  /** The PEM installed per name, so a reload from the store installs only what changed. */
  private readonly loaded = new Map<string, string>();
  /** Names ordered on demand, kept renewed while they are served. */
  private readonly onDemandNames = new Set<string>();
  private onDemandOrders: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: CertificateManagerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Installs what the store holds, then looks again every `tickMs`. */
  async start(tickMs = 60_000): Promise<void> {
    await this.loadStored();
    void this.tick();
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    return this.ticking ?? Promise.resolve();
  }

  /** One round: load what another replica stored, then (as leader) order what is missing or due. */
  tick(): Promise<void> {
    this.ticking ??= this.round().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** For a handshake no certificate covers: orders one if Opus serves the host; true once installed. */
  async onDemand(host: string): Promise<boolean> {
    const limits = this.deps.onDemand === undefined ? ON_DEMAND : this.deps.onDemand;
    const kind = this.deps.active() ? servedHostKind(host, this.deps.served()) : undefined;
    if (!kind) return false;
    const running = this.ordering.get(host);
    if (running) return running;
    if (!this.isLeader()) return this.loadOne(host);
    if (!this.due(host)) return false;
    // The dashboard host and project domains are ordered ahead anyway: a visit only makes it sooner.
    if (kind !== 'preview') return this.order(host);
    if (!limits) return false;
    const now = this.now();
    if (!allowedByRate(this.onDemandOrders, now, limits.limit, limits.windowMs)) {
      this.deps.logger.warn('on-demand certificate orders are rate limited', { domain: host, limit: limits.limit });
      return false;
    }
    this.onDemandOrders = [...this.onDemandOrders.filter((at) => now - at < limits.windowMs), now];
    this.onDemandNames.add(host);
    return this.order(host);
  }

  status(): CertificateStatus[] {
    // Without ACME configured, the wanted names are not ACME's to report (own files may cover them).
    const names = new Set([...(this.deps.active() ? this.deps.wanted() : []), ...this.loaded.keys(), ...this.failures.keys()]);
    return [...names].sort().map((name) => {
      const installed = this.deps.installed(name);
      const failure = this.failures.get(name);
      return {
        name,
        ...(installed ? { notAfter: installed.notAfter.toISOString(), renewAt: new Date(renewAtMs(installed.notBefore.getTime(), installed.notAfter.getTime())).toISOString() } : {}),
        ...(failure ? { error: failure.error, failedAt: new Date(failure.failedAt).toISOString(), nextAttemptAt: new Date(failure.nextAttemptAt).toISOString() } : {}),
      };
    });
  }

  private async round(): Promise<void> {
    await this.loadStored();
    if (!this.isLeader() || !this.deps.active()) return;
    const served = this.deps.served();
    const names = [...this.deps.wanted(), ...[...this.onDemandNames].filter((name) => servedHostKind(name, served) !== undefined)];
    // One order at a time: a CA's rate limits, and HTTP-01 answers, are per account.
    for (const name of new Set(names)) if (this.due(name)) await this.order(name);
  }

  private isLeader(): boolean {
    return this.deps.leader?.isLeader() ?? true;
  }

  private due(name: string): boolean {
    const now = this.now();
    const failure = this.failures.get(name);
    if (failure && now < failure.nextAttemptAt) return false;
    const installed = this.deps.installed(name);
    return !installed || now >= renewAtMs(installed.notBefore.getTime(), installed.notAfter.getTime());
  }

  private order(name: string): Promise<boolean> {
    const running = this.ordering.get(name);
    if (running) return running;
    const started = this.now();
    const order = (async () => {
      try {
        const pair = await this.deps.issuer.issue([name], this.deps.challenges);
        await this.deps.store.write(name, pair);
        const installed = this.install(name, pair);
        this.failures.delete(name);
        this.deps.logger.info('certificate issued', { domain: name, notAfter: installed.notAfter.toISOString(), ms: this.now() - started });
        return true;
      } catch (error) {
        this.failed(name, errorMessage(error));
        return false;
      } finally {
        this.ordering.delete(name);
      }
    })();
    this.ordering.set(name, order);
    return order;
  }

  private failed(name: string, error: string): void {
    const attempts = (this.failures.get(name)?.attempts ?? 0) + 1;
    const now = this.now();
    const nextAttemptAt = now + backoffCeilingMs(attempts, { ...RETRY, ...this.deps.retry, maxAttempts: Infinity, maxAgeMs: Infinity });
    this.failures.set(name, { attempts, error, failedAt: now, nextAttemptAt });
    const kept = this.deps.installed(name);
    const message = `${error}${kept ? ` (the certificate valid until ${kept.notAfter.toISOString()} keeps serving)` : ''}`;
    this.deps.logger.error('certificate order failed', { domain: name, attempts, error, nextAttemptAt: new Date(nextAttemptAt).toISOString() });
    this.deps.events.emit({ event: 'certificate.failed', domain: name, message });
  }

  private install(name: string, pair: StoredCertificate): InstalledCertificate {
    const installed = this.deps.install(name, pair);
    this.loaded.set(name, pair.cert);
    return installed;
  }

  private async loadStored(): Promise<void> {
    const names = await this.deps.store.list().catch((error: unknown) => {
      this.deps.logger.error('cannot list stored certificates', { error: errorMessage(error) });
      return [] as string[];
    });
    for (const name of names) await this.loadOne(name);
  }

  /** Installs the stored certificate of `name` if it changed; true when one is installed. */
  private async loadOne(name: string): Promise<boolean> {
    try {
      const stored = await this.deps.store.read(name);
      if (!stored) return false;
      if (this.loaded.get(name) !== stored.cert) this.install(name, stored);
      return true;
    } catch (error) {
      this.deps.logger.error('stored certificate cannot be used', { domain: name, error: errorMessage(error) });
      return this.loaded.has(name);
    }
  }
}
