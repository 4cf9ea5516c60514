// One `opus server` per data dir. A second one would sync, build and prune the same artifact tree,
// and its start alone removes the first one's build containers and checkouts. The lock is a
// listening Unix socket: nothing answers on it once its process dies (kill -9 included), so there is
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
  // A socket file in state/, where no build reaches. Not a Linux abstract socket unless the path is
  // too long for one (108 bytes): any process of the network namespace, a `network: host` build
  // included, could take that name first and keep every later server from starting.
  const file = join(dir, 'state', 'server.sock');
  const abstract = process.platform === 'linux' && Buffer.byteLength(file) > 100;
  const path = abstract ? `\0opus-data-dir-${createHash('sha256').update(dir).digest('hex').slice(0, 40)}` : file;
  for (let attempt = 0; ; attempt += 1) {
    const error = await listen(server, path);
    if (!error) break;
    if (error.code !== 'EADDRINUSE' || attempt > 0) throw error;
    const other = await ask(path);
    // Only a socket file that refuses connections was left by a dead server; one slow to answer
    // (a busy holder) is held all the same. An abstract socket exists only while its process does.
    if (other !== 'refused' || abstract) throw heldBy(dir, other === 'refused' ? { pid: 0 } : other);
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

/** The holder's answer ({ pid: 0 } when it does not say), or 'refused' when nothing listens there. */
function ask(path: string): Promise<Holder | 'refused'> {
  return new Promise((done) => {
    let text = '';
    let refused = false;
    const socket = createConnection(path);
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', (error: NodeJS.ErrnoException) => (refused = error.code === 'ECONNREFUSED' || error.code === 'ENOENT'));
    socket.on('close', () => {
      if (refused) return done('refused');
      try {
        done(JSON.parse(text) as Holder);
      } catch {
        done({ pid: 0 });
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
