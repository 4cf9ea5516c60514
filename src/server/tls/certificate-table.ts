// The certificates the HTTPS listener chooses from by SNI. Each handshake looks up a context here,
// so replacing an entry swaps the certificate for new connections while open ones keep theirs.
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { coveringNames, dnsNamesOf } from '../../domain/tls-names.js';

export interface CertificatePair {
  /** PEM: the certificate, then its chain. */
  cert: string;
  /** PEM private key. */
  key: string;
}

export type CertificateSource = 'files' | 'acme';

export interface CertificateInfo {
  /** Where it came from: a file name, or the ACME order's first name. */
  id: string;
  source: CertificateSource;
  names: string[];
  notBefore: Date;
  notAfter: Date;
}

interface Entry {
  info: CertificateInfo;
  context: SecureContext;
}

/** Finds a context for a host no entry covers (on-demand issuance); undefined fails the handshake. */
export type MissingCertificate = (host: string) => Promise<SecureContext | undefined>;

export class CertificateTable {
  private readonly entries = new Map<string, Entry>();
  private byName = new Map<string, Entry>();
  private changeListeners: (() => void)[] = [];

  /** Parses and installs a pair; throws (and changes nothing) when the key does not fit or the PEM is bad. */
  set(id: string, source: CertificateSource, pair: CertificatePair): CertificateInfo {
    const x509 = new X509Certificate(pair.cert);
    const context = createSecureContext({ cert: pair.cert, key: pair.key });
    const info: CertificateInfo = { id, source, names: dnsNamesOf(x509.subjectAltName), notBefore: new Date(x509.validFrom), notAfter: new Date(x509.validTo) };
    this.entries.set(`${source}:${id}`, { info, context });
    this.reindex();
    return info;
  }

  remove(source: CertificateSource, id: string): void {
    if (this.entries.delete(`${source}:${id}`)) this.reindex();
  }

  /** The context for an SNI name: an exact name before a wildcard, own files before ACME, the latest expiry first. */
  contextFor(host: string): SecureContext | undefined {
    for (const name of coveringNames(host.toLowerCase())) {
      const entry = this.byName.get(name);
      if (entry) return entry.context;
    }
    return undefined;
  }

  has(host: string): boolean {
    return this.contextFor(host) !== undefined;
  }

  list(): CertificateInfo[] {
    return [...this.entries.values()].map((e) => e.info).sort((a, b) => a.id.localeCompare(b.id));
  }

  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** For tls.createServer's SNICallback. */
  sniCallback(missing?: MissingCertificate): (servername: string, done: (error: Error | null, context?: SecureContext) => void) => void {
    return (servername, done) => {
      const context = this.contextFor(servername);
      if (context || !missing) return done(null, context);
      missing(servername.toLowerCase()).then(
        (found) => done(null, found),
        () => done(null, undefined),
      );
    };
  }

  private reindex(): void {
    const ranked = [...this.entries.values()].sort((a, b) => rank(b) - rank(a));
    const byName = new Map<string, Entry>();
    for (const entry of ranked) for (const name of entry.info.names) if (!byName.has(name)) byName.set(name, entry);
    this.byName = byName;
    for (const listener of this.changeListeners) listener();
  }
}

/** Own files win over ACME; among equals, the one valid longest. Expired certificates rank last. */
function rank({ info }: Entry): number {
  const expired = info.notAfter.getTime() < Date.now() ? -1e15 : 0;
  return expired + (info.source === 'files' ? 1e14 : 0) + info.notAfter.getTime();
}
