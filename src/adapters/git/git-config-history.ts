// The history of the server's own clone of the config repo: one `git log` for the commits that
// touched a file, one `git cat-file --batch` for the file's content at each of them.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deployValueOf, type FileRevision } from '../../domain/deploy-history.js';
import type { ConfigHistory } from '../../ports/config-history.js';

const run = promisify(execFile);
const FIELD = '\x1f';
const RECORD = '\x1e';

export class GitConfigHistory implements ConfigHistory {
  constructor(private readonly repoDir: string) {}

  async fileHistory(path: string, limit: number): Promise<FileRevision[]> {
    if (!existsSync(join(this.repoDir, '.git'))) return [];
    const format = ['%H', '%an', '%ae', '%aI', '%s'].join('%x1f') + '%x1e';
    const { stdout } = await run('git', ['log', `--max-count=${limit}`, `--format=${format}`, '--', path], { cwd: this.repoDir, maxBuffer: 32 * 1024 * 1024 });
    const commits = stdout
      .split(RECORD)
      .map((r) => r.trim())
      .filter(Boolean)
      .map((r) => {
        const [commit = '', author = '', email = '', date = '', subject = ''] = r.split(FIELD);
        return { commit, author, email, date, subject };
      });
    const contents = await catFiles(this.repoDir, commits.map((c) => `${c.commit}:${path}`));
    return commits.map((c, i) => {
      const text = contents[i];
      const deploy = text === undefined ? undefined : deployValueOf(text);
      return { ...c, exists: text !== undefined, ...(deploy === undefined ? {} : { deploy }) };
    });
  }
}

/** The content of each `<rev>:<path>`, undefined where it does not exist; one git process. */
function catFiles(cwd: string, objects: string[]): Promise<(string | undefined)[]> {
  if (objects.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`git cat-file exited with ${code}`));
      resolve(parseBatch(Buffer.concat(chunks), objects.length));
    });
    child.stdin.end(`${objects.join('\n')}\n`);
  });
}

function parseBatch(output: Buffer, count: number): (string | undefined)[] {
  const results: (string | undefined)[] = [];
  let offset = 0;
  while (results.length < count && offset < output.length) {
    const newline = output.indexOf(10, offset);
    const header = output.subarray(offset, newline).toString('utf8');
    offset = newline + 1;
    const match = / blob (\d+)$/.exec(header);
    if (!match) {
      results.push(undefined);
      continue;
    }
    const size = Number(match[1]);
    results.push(output.subarray(offset, offset + size).toString('utf8'));
    offset += size + 1;
  }
  return results;
}
