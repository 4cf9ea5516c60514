// Wires TLS serving: the certificate table, own certificates from files (watched), and ACME
// (acme-client against the configured CA, certificates kept in a certificate store).
import { join } from 'node:path';
import { AcmeIssuer, LETS_ENCRYPT, type AcmeAccount, type AcmeIssuerOptions } from '../adapters/acme/acme-issuer.js';
import { watchCertificateFiles, type CertificateFiles } from '../adapters/fs/certificate-files.js';
import { FsCertificateStore } from '../adapters/fs/fs-certificate-store.js';
import type { Settings } from '../domain/desired-state.js';
import { errorMessage } from '../domain/errors.js';
import { servedHostKind, type ServedHosts } from '../domain/tls-names.js';
import type { CertificateStore } from '../ports/certificate-store.js';
import type { EventSink } from '../ports/event-sink.js';
import type { Leadership } from '../ports/leadership.js';
import type { TlsServing } from '../server/opus-server.js';
import { CertificateTable } from '../server/tls/certificate-table.js';
import { AcmeChallenges } from '../services/certificates/acme-challenges.js';
import { CertificateManager, type CertificateManagerDeps, type CertificateStatus } from '../services/certificates/certificate-manager.js';
import type { Logger } from '../services/logger.js';

export interface AcmeOptions {
  /** The account email; else opus.yaml tls.email. */
  email?: string;
  /** The CA's directory URL; else opus.yaml tls.directory, else Let's Encrypt. */
  directoryUrl?: string;
  /** PEM of the CA the directory's HTTPS is signed by, when the system does not trust it (an internal CA, tests). */
  directoryCa?: string;
  /** How often certificates are checked for renewal and the store for other replicas' (default 60 s). */
  checkMs?: number;
  retry?: CertificateManagerDeps['retry'];
  requestRetries?: AcmeIssuerOptions['requestRetries'];
  onDemand?: CertificateManagerDeps['onDemand'];
}

export interface TlsOptions {
  /** Where HTTPS listens (443 on a bare server). */
  httpsPort: number;
  /** Own certificates: each <name>.crt (or .pem) with its <name>.key, reloaded when they change. */
  certificatesDir?: string;
  acme?: AcmeOptions;
}

export interface TlsContext {
  dataDir: string;
  logger: Logger;
  events: EventSink;
  leader?: Leadership;
  /** A shared certificate store; by default <dataDir>/state/certificates. */
  store?: CertificateStore;
  served: () => ServedHosts;
  /** Names to order ahead: the dashboard host and every project domain. */
  wanted: () => string[];
  /** opus.yaml's settings as last read. */
  settings: () => Settings | undefined;
}

export interface RunningTls {
  serving: TlsServing;
  table: CertificateTable;
  certificates?: CertificateManager;
  /** Starts ordering and renewing: call once the HTTP port listens, as the CA validates through it. */
  start(): Promise<void>;
  /** Every certificate served, own files and ACME, for the API, the dashboard and /metrics. */
  readonly report: () => CertificateStatus[];
  close(): Promise<void>;
}

export async function startTls(options: TlsOptions, context: TlsContext): Promise<RunningTls> {
  const { logger } = context;
  const table = new CertificateTable();
  const store: CertificateStore = context.store ?? new FsCertificateStore(join(context.dataDir, 'state', 'certificates'));
  const challenges = new AcmeChallenges(store.challenges);
  const files = options.certificatesDir ? await ownCertificates(options.certificatesDir, table, logger) : undefined;
  const acme = options.acme;
  const account = (): AcmeAccount | undefined => {
    const yaml = context.settings()?.tls;
    const email = acme?.email ?? yaml?.email;
    return email ? { email, directoryUrl: acme?.directoryUrl ?? yaml?.directory ?? LETS_ENCRYPT } : undefined;
  };
  const onDemand = (): CertificateManagerDeps['onDemand'] => (context.settings()?.tls?.onDemand === false ? false : acme?.onDemand);
  const manager = new CertificateManager({
    issuer: new AcmeIssuer({ account, store, ...(acme?.directoryCa ? { directoryCa: acme.directoryCa } : {}), ...(acme?.requestRetries ? { requestRetries: acme.requestRetries } : {}) }),
    store,
    challenges,
    install: (name, pair) => table.set(name, 'acme', pair),
    installed: (name) => table.list().find((c) => c.source === 'acme' && c.id === name),
    served: context.served,
    active: () => account() !== undefined,
    wanted: context.wanted,
    events: context.events,
    logger,
    ...(context.leader ? { leader: context.leader } : {}),
    get onDemand() {
      return onDemand();
    },
    ...(acme?.retry ? { retry: acme.retry } : {}),
  });
  const serving: TlsServing = {
    table,
    challenges,
    missing: async (host) => ((await manager.onDemand(host)) ? table.contextFor(host) : undefined),
    // Hosts with a certificate, and those one would be ordered for on their first HTTPS visit.
    redirects: (host) => table.has(host) || (account() !== undefined && onDemand() !== false && servedHostKind(host, context.served()) !== undefined),
  };
  return {
    serving,
    table,
    certificates: manager,
    start: () => manager.start(acme?.checkMs),
    report: () => [
      ...table.list().filter((c) => c.source === 'files').flatMap((c) => c.names.map((name) => ({ name, source: 'files' as const, notAfter: c.notAfter.toISOString() }))),
      ...manager.status().map((s) => ({ ...s, source: 'acme' as const })),
    ],
    async close() {
      files?.close();
      await manager.stop();
    },
  };
}

async function ownCertificates(dir: string, table: CertificateTable, logger: Logger): Promise<CertificateFiles> {
  let installed = new Set<string>();
  const files = watchCertificateFiles(dir, {
    changed(pairs) {
      const now = new Set<string>();
      for (const [name, pair] of pairs) {
        try {
          const info = table.set(name, 'files', pair);
          now.add(name);
          logger.info('certificate loaded', { file: name, names: info.names.join(' '), notAfter: info.notAfter.toISOString() });
        } catch (error) {
          // A half-written pair (cert renewed, key not yet): the previous one keeps serving.
          if (installed.has(name)) now.add(name);
          logger.error('certificate cannot be used', { file: name, error: errorMessage(error) });
        }
      }
      for (const name of installed) if (!now.has(name)) table.remove('files', name);
      installed = now;
    },
    problem: (name, message) => logger.warn('certificate files', { file: name, error: message }),
  });
  await files.ready;
  return files;
}
