// A site server with TLS serving as `opus server --https-port` wires it (runtime/tls.ts): own
// certificate files and/or ACME, the served hosts read from the server's own site table.
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { DEFAULT_SETTINGS, type Settings } from '../../src/domain/desired-state.js';
import { namesToOrder, type ServedHosts } from '../../src/domain/tls-names.js';
import { noEvents, type EventSink } from '../../src/ports/event-sink.js';
import type { CertificateStore } from '../../src/ports/certificate-store.js';
import type { Leadership } from '../../src/ports/leadership.js';
import { startTls, type RunningTls, type TlsOptions } from '../../src/runtime/tls.js';
import { projectDomains, servedHostsOf } from '../../src/services/certificates/served-hosts.js';
import { silentLogger } from '../../src/services/logger.js';
import { startSiteServer, type SiteServer } from './site-server.js';

export interface TlsSite {
  tls: RunningTls;
  server: SiteServer;
  httpsPort: number;
  close(): Promise<void>;
}

export interface TlsSiteOptions {
  tls: Omit<TlsOptions, 'httpsPort'>;
  /** opus.yaml's tls section (email, directory, onDemand). */
  settings?: Settings['tls'];
  httpPort?: number;
  events?: EventSink;
  leader?: Leadership;
  store?: CertificateStore;
}

export async function startTlsSite(dir: string, options: TlsSiteOptions): Promise<TlsSite> {
  let server: SiteServer | undefined;
  let served: (() => ServedHosts) | undefined;
  const settings: Settings = { ...DEFAULT_SETTINGS, ...(options.settings ? { tls: options.settings } : {}) };
  const tls = await startTls(
    { httpsPort: 0, ...options.tls },
    {
      dataDir: dir,
      logger: silentLogger,
      events: options.events ?? noEvents,
      ...(options.leader ? { leader: options.leader } : {}),
      ...(options.store ? { store: options.store } : {}),
      served: () => served?.() ?? { projectForHost: () => undefined, previewExists: () => false },
      wanted: () => (server ? namesToOrder(undefined, projectDomains(server.sites)) : []),
      settings: () => settings,
    },
  );
  server = await startSiteServer(dir, { tls: tls.serving, ...(options.httpPort ? { http: options.httpPort } : {}) });
  const { sites, store } = server;
  served = servedHostsOf(sites, (project) => store.versionNames(project), undefined);
  await tls.start();
  return {
    tls,
    server,
    httpsPort: server.httpsPort ?? 0,
    async close() {
      await server?.close();
      await tls.close();
    },
  };
}

/** The certificate a TLS client gets for an SNI name (not verified), or the handshake error. */
export function servedCertificate(port: number, servername: string, ca?: string): Promise<X509Certificate | Error> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ...(ca ? { ca } : { rejectUnauthorized: false }) }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      resolve(cert ?? new Error('no certificate'));
    });
    socket.on('error', resolve);
  });
}

export async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
