// Certificates for HTTPS tests, made with openssl (scripts/tls-tools.sh installs it): a test CA and
// leaf certificates it signs for given names, written as <name>.crt and <name>.key.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCa {
  dir: string;
  certPath: string;
  keyPath: string;
  /** PEM of the CA certificate, for clients to trust. */
  pem: string;
}

export async function makeCa(dir: string): Promise<TestCa> {
  const certPath = join(dir, 'test-ca.crt');
  const keyPath = join(dir, 'test-ca.key');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=Opus test CA', '-keyout', keyPath, '-out', certPath]);
  return { dir, certPath, keyPath, pem: await readFile(certPath, 'utf8') };
}

/** Signs a certificate for `names` (the first is the subject); writes <file>.crt (leaf, then CA) and <file>.key into `outDir`. */
export async function makeLeaf(ca: TestCa, outDir: string, file: string, names: string[], days = 2): Promise<{ cert: string; key: string }> {
  const key = join(outDir, `${file}.key.tmp`);
  const csr = join(outDir, `${file}.csr.tmp`);
  const crt = join(outDir, `${file}.crt.tmp`);
  const ext = join(outDir, `${file}.ext.tmp`);
  await writeFile(ext, `subjectAltName=${names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',')}\n`);
  await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${names[0] ?? 'test'}`, '-keyout', key, '-out', csr]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-CAcreateserial', '-days', String(days), '-extfile', ext, '-out', crt]);
  const pair = { cert: (await readFile(crt, 'utf8')) + ca.pem, key: await readFile(key, 'utf8') };
  // The key first, then the certificate: a watcher never sees a new certificate with an old key for long.
  await writeFile(join(outDir, `${file}.key`), pair.key, { mode: 0o600 });
  await writeFile(join(outDir, `${file}.crt`), pair.cert);
  await run('rm', ['-f', key, csr, crt, ext]);
  return pair;
}
