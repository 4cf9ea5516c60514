// Certificates under the data dir: <dir>/<name>/cert.pem and key.pem (0600), and one account key
// per CA directory URL. Written atomically, so a reader sees the old pair or the new.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDnsName } from '../../domain/tls-names.js';
import type { CertificateStore, StoredCertificate } from '../../ports/certificate-store.js';

export class FsCertificateStore implements CertificateStore {
  constructor(private readonly dir: string) {}

  async read(name: string): Promise<StoredCertificate | undefined> {
    const at = this.pathOf(name);
    try {
      return { cert: await readFile(join(at, 'cert.pem'), 'utf8'), key: await readFile(join(at, 'key.pem'), 'utf8') };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(name: string, certificate: StoredCertificate): Promise<void> {
    const at = this.pathOf(name);
    await mkdir(at, { recursive: true, mode: 0o700 });
    // The key first: a reader between the two renames sees the new key with the old certificate, and
    // the table refuses a pair that does not match, so it keeps serving the old one.
    await writePrivate(join(at, 'key.pem'), certificate.key);
    await writePrivate(join(at, 'cert.pem'), certificate.cert);
  }

  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((name) => isDnsName(name)).sort();
  }

  async readAccountKey(directoryUrl: string): Promise<string | undefined> {
    return readFile(this.accountPath(directoryUrl), 'utf8').catch(() => undefined);
  }

  async writeAccountKey(directoryUrl: string, pem: string): Promise<void> {
    await mkdir(join(this.dir, 'accounts'), { recursive: true, mode: 0o700 });
    await writePrivate(this.accountPath(directoryUrl), pem);
  }

  private pathOf(name: string): string {
    // Names come from the site table or a TLS handshake: only a plain DNS name becomes a directory.
    if (!isDnsName(name)) throw new Error(`not a host name: ${JSON.stringify(name)}`);
    return join(this.dir, name);
  }

  private accountPath(directoryUrl: string): string {
    return join(this.dir, 'accounts', `${createHash('sha256').update(directoryUrl).digest('hex').slice(0, 16)}.key`);
  }
}

async function writePrivate(path: string, data: string): Promise<void> {
  const temp = `${path}.tmp`;
  await writeFile(temp, data, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
}
