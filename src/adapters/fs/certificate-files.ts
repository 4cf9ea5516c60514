// Own certificates from a directory: each <name>.crt (or <name>.pem) beside its <name>.key, the
// certificate's names read from the certificate itself (so *.example.com.crt may hold a wildcard).
// The directory is watched and also looked at every `pollMs`, so a renewal by certbot or a
// secret mount's symlink swap is picked up without a restart.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface PemPair {
  cert: string;
  key: string;
}

export interface CertificateFilesEvents {
  /** Called with every pair of the directory whenever one of them changed, appeared or went away. */
  changed(pairs: Map<string, PemPair>): void;
  /** A pair that cannot be read; the others are still handed over. */
  problem(name: string, message: string): void;
}

export interface CertificateFiles {
  /** Resolves after the first read. */
  readonly ready: Promise<void>;
  /** Reads the directory again now (tests, and the watcher). */
  rescan(): Promise<void>;
  close(): void;
}

export function watchCertificateFiles(dir: string, events: CertificateFilesEvents, pollMs = 30_000): CertificateFiles {
  let last = '';
  let scanning: Promise<void> | undefined;
  let again = false;
  const scan = async (): Promise<void> => {
    const pairs = await readPairs(dir, events);
    const fingerprint = JSON.stringify([...pairs].sort(([a], [b]) => a.localeCompare(b)));
    if (fingerprint === last) return;
    last = fingerprint;
    events.changed(pairs);
  };
  /** One scan at a time; a change during a scan gets one more. */
  const rescan = (): Promise<void> => {
    if (scanning) {
      again = true;
      return scanning;
    }
    scanning = scan()
      .catch((error: unknown) => events.problem(dir, String(error)))
      .finally(() => {
        scanning = undefined;
        if (again) {
          again = false;
          void rescan();
        }
      });
    return scanning;
  };
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  try {
    watcher = watch(dir, () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => void rescan(), 100);
    });
    watcher.on('error', () => undefined);
  } catch {
    // Not watchable (a missing directory): the poll still notices when it appears.
  }
  const poll = setInterval(() => void rescan(), pollMs).unref();
  return {
    ready: rescan(),
    rescan,
    close() {
      clearInterval(poll);
      clearTimeout(debounce);
      watcher?.close();
    },
  };
}

async function readPairs(dir: string, events: CertificateFilesEvents): Promise<Map<string, PemPair>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const pairs = new Map<string, PemPair>();
  for (const file of names.sort()) {
    const match = /^(.+)\.(crt|pem)$/.exec(file);
    if (!match || match[1] === undefined || pairs.has(match[1])) continue;
    const name = match[1];
    if (!names.includes(`${name}.key`)) {
      events.problem(name, `${file} has no ${name}.key beside it`);
      continue;
    }
    try {
      pairs.set(name, { cert: await readFile(join(dir, file), 'utf8'), key: await readFile(join(dir, `${name}.key`), 'utf8') });
    } catch (error) {
      events.problem(name, String(error));
    }
  }
  return pairs;
}
