// Wires TLS serving: the certificate table, own certificates from files (watched), and ACME.
import { watchCertificateFiles, type CertificateFiles } from '../adapters/fs/certificate-files.js';
import { errorMessage } from '../domain/errors.js';
import { servedHostKind, type ServedHosts } from '../domain/tls-names.js';
import type { TlsServing } from '../server/opus-server.js';
import { CertificateTable } from '../server/tls/certificate-table.js';
import { AcmeChallenges } from '../services/certificates/acme-challenges.js';
import type { Logger } from '../services/logger.js';

export interface TlsOptions {
  /** Where HTTPS listens (443 on a bare server). */
  httpsPort: number;
  /** Own certificates: each <name>.crt (or .pem) with its <name>.key, reloaded when they change. */
  certificatesDir?: string;
}

export interface RunningTls {
  serving: TlsServing;
  table: CertificateTable;
  close(): Promise<void>;
}

export async function startTls(options: TlsOptions, logger: Logger, served: () => ServedHosts): Promise<RunningTls> {
  const table = new CertificateTable();
  const challenges = new AcmeChallenges();
  const files = options.certificatesDir ? await ownCertificates(options.certificatesDir, table, logger) : undefined;
  const serving: TlsServing = {
    table,
    challenges,
    redirects: (host) => table.has(host) || (false && servedHostKind(host, served()) !== undefined),
  };
  return {
    serving,
    table,
    async close() {
      files?.close();
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
