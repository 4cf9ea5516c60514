// One `opus server` per data dir. A second one would sync, build and prune the same artifact tree,
// and its start alone removes the first one's build containers and checkouts. The lock is a
// listening Unix socket: the kernel frees it when its process dies (kill -9 included), so there is
// no stale lock to time out, and a second server that connects to it learns who holds it.
import { mkdirSync, realpathSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { UserError } from '../domain/errors.js';

export interface DataDirLock {
  /** Where this server answers, told to a second server that finds the lock held. */
  describe(url: string): void;
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  url?: string;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  mkdirSync(join(dataDir, 'state'), { recursive: true });
  const dir = realpathSync(dataDir);
  const holder: Holder = { pid: process.pid };
  const server = createServer((socket) => socket.end(`${JSON.stringify(holder)}\n`));
  // Linux: an abstract socket (no file, no path length limit); elsewhere a socket file in state/.
  const abstract = process.platform === 'linux';
  const path = abstract ? `\0opus-data-dir-${createHash('sha256').update(dir).digest('hex').slice(0, 40)}` : join(dir, 'state', 'server.sock');
  for (let attempt = 0; ; attempt += 1) {
    const error = await listen(server, path);
    if (!error) break;
    if (error.code !== 'EADDRINUSE' || attempt > 0) throw error;
    const other = await ask(path);
    // An abstract socket exists only while its process does, answering or not.
    if (other || abstract) throw heldBy(dir, other ?? { pid: 0 });
    // A socket file that nobody listens on: left by a killed server.
    unlinkSync(path);
  }
  server.unref();
  return {
    describe(url) {
      holder.url = url;
    },
    release: () => new Promise((done) => server.close(() => done())),
  };
}

function listen(server: Server, path: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((done) => {
    const failed = (error: NodeJS.ErrnoException) => done(error);
    server.once('error', failed);
    server.listen(path, () => {
      server.off('error', failed);
      done(undefined);
    });
  });
}

/** The holder's answer, or undefined when nothing listens there. */
function ask(path: string): Promise<Holder | undefined> {
  return new Promise((done) => {
    let text = '';
    const socket = createConnection(path);
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => done(undefined));
    socket.on('close', () => {
      try {
        done(JSON.parse(text) as Holder);
      } catch {
        done(text === '' ? undefined : { pid: 0 });
      }
    });
  });
}

function heldBy(dir: string, other: Holder): UserError {
  const who = [other.pid ? `pid ${other.pid}` : '', other.url ?? 'still starting'].filter(Boolean).join(', ');
  return new UserError(`another opus server already uses the data dir ${dir} (${who}): two servers would build into and prune the same artifact tree`, [
    `use the server that is running: the CLI talks to it${other.url ? ` (--server ${other.url})` : ''}`,
    'or stop it first (Ctrl-C in its terminal)',
    'or give this one a data dir of its own: --data-dir <dir> (OPUS_DATA_DIR) and --port <another>',
  ]);
}
