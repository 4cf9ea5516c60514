// Real git repositories, temp dirs and the real `opus` binary, for tests.
import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const opusBin = join(repoRoot, 'bin', 'run.js');

/** Temp dirs whose removal at the end of their test failed: removed again when the test file's process exits. */
const stillThere = new Set<string>();
process.once('exit', () => stillThere.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * A temp dir removed when the test ends. node:test runs after-hooks in the order they were added
 * and skips the rest once one throws, so this one (added before the servers that write into the
 * dir are stopped) must never throw: a server still writing there (ENOTEMPTY) would otherwise keep
 * its own kill from running, and the test file from ever ending.
 */
export async function tempDir(t: { after(fn: () => unknown): void }, prefix = 'opus-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }).catch(() => void stillThere.add(dir)));
  return dir;
}

export function gitSync(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function writeFiles(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

/** A source repo with one commit and tag per entry, in order. */
export async function makeSourceRepo(dir: string, versions: Record<string, Record<string, string>>): Promise<string> {
  await mkdir(dir, { recursive: true });
  gitSync(dir, 'init', '--quiet');
  for (const [tag, files] of Object.entries(versions)) {
    await writeFiles(dir, files);
    gitSync(dir, 'add', '--all');
    gitSync(dir, 'commit', '--quiet', '--allow-empty', '-m', `release ${tag}`);
    gitSync(dir, 'tag', tag);
  }
  return dir;
}

/** Adds one more tagged version to a source repo. */
export async function tagVersion(dir: string, tag: string, files: Record<string, string>): Promise<void> {
  await writeFiles(dir, files);
  gitSync(dir, 'add', '--all');
  gitSync(dir, 'commit', '--quiet', '-m', `release ${tag}`);
  gitSync(dir, 'tag', tag);
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI, as a user would; one that is still running after 120 s is killed outright, so a test file can always end. */
export function opus(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [opusBin, ...args], { cwd: options.cwd ?? repoRoot, env: { ...process.env, OCLIF_COLUMNS: '1000', ...options.env }, timeout: 120_000, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
