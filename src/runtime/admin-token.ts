// The admin token a server makes on first start when none is configured: a file under the data
// dir, readable by its owner only, so the CLI on the same machine (same data dir) finds it.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function adminTokenFile(dataDir: string): string {
  return join(dataDir, 'state', 'admin-token');
}

/** The token in the file, or undefined when there is none (or it cannot be read). */
export function readAdminToken(dataDir: string): string | undefined {
  try {
    return readFileSync(adminTokenFile(dataDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The token of the file, made now (mode 0600, never overwritten) when there is none. */
export function ensureAdminToken(dataDir: string): { token: string; created: boolean; file: string } {
  const file = adminTokenFile(dataDir);
  const existing = readAdminToken(dataDir);
  if (existing) return { token: existing, created: false, file };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process made it first: that one counts.
    const other = (error as NodeJS.ErrnoException).code === 'EEXIST' ? readAdminToken(dataDir) : undefined;
    if (other) return { token: other, created: false, file };
    throw error;
  }
  return { token, created: true, file };
}
