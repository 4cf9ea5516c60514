// Certificates in the shared S3 store, so every replica serves what the one that orders got:
// <prefix>.opus/certificates/<name>.json ({cert, key}: one object, never a half pair), account keys
// beside them, and open HTTP-01 answers under .opus/challenges/ for replicas behind one load balancer.
// Keys are as private as the bucket: keep it private (and encrypted at rest).
import { createHash } from 'node:crypto';
import { isDnsName } from '../../domain/tls-names.js';
import type { CertificateStore, StoredCertificate } from '../../ports/certificate-store.js';
import type { S3Objects } from './s3-objects.js';

const DIR = '.opus/certificates/';
const CHALLENGES = '.opus/challenges/';

export class S3CertificateStore implements CertificateStore {
  constructor(private readonly s3: S3Objects) {}

  async read(name: string): Promise<StoredCertificate | undefined> {
    const text = await this.s3.getText(this.pathOf(name));
    if (text === undefined) return undefined;
    const parsed = JSON.parse(text) as Partial<StoredCertificate>;
    if (typeof parsed.cert !== 'string' || typeof parsed.key !== 'string') throw new Error(`${this.pathOf(name)} is not a certificate record`);
    return { cert: parsed.cert, key: parsed.key };
  }

  async write(name: string, certificate: StoredCertificate): Promise<void> {
    await this.s3.putText(this.pathOf(name), JSON.stringify({ cert: certificate.cert, key: certificate.key }));
  }

  async list(): Promise<string[]> {
    const objects = await this.s3.list(DIR);
    return objects
      .map((o) => o.path.slice(DIR.length))
      .filter((p) => p.endsWith('.json'))
      .map((p) => p.slice(0, -'.json'.length))
      .filter((name) => isDnsName(name))
      .sort();
  }

  readAccountKey(directoryUrl: string): Promise<string | undefined> {
    return this.s3.getText(accountPath(directoryUrl));
  }

  async writeAccountKey(directoryUrl: string, pem: string): Promise<void> {
    await this.s3.putText(accountPath(directoryUrl), pem, 'application/x-pem-file');
  }

  readonly challenges = {
    write: async (token: string, keyAuthorization: string): Promise<void> => {
      await this.s3.putText(challengePath(token), keyAuthorization, 'text/plain');
    },
    read: (token: string) => (/^[A-Za-z0-9_-]{1,128}$/.test(token) ? this.s3.getText(challengePath(token)) : Promise.resolve(undefined)),
    remove: (token: string) => this.s3.delete([challengePath(token)]),
  };

  private pathOf(name: string): string {
    if (!isDnsName(name)) throw new Error(`not a host name: ${JSON.stringify(name)}`);
    return `${DIR}${name}.json`;
  }
}

function accountPath(directoryUrl: string): string {
  return `${DIR}accounts/${createHash('sha256').update(directoryUrl).digest('hex').slice(0, 16)}.key`;
}

function challengePath(token: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(token)) throw new Error('not an ACME token');
  return `${CHALLENGES}${token}`;
}
