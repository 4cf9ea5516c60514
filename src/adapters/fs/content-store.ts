// Content-addressed storage under <root>/.opus/cas: every file of every version is a hard link to
// one copy per content, so files that do not change between versions are stored once, while each
// version directory still looks exactly like the build output. Brotli and gzip variants of each
// compressible content are made once, at publish time, beside it.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, type Stats } from 'node:fs';
import { link, lstat, mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { isCompressible } from '../../domain/compressible.js';
import { Turns } from '../turns.js';
import { pool } from '../work-pool.js';
import { writeFileAtomic } from './atomic-write.js';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);
/** libuv's thread pool has 4 threads by default. */
const FILES_AT_ONCE = 4;
/** Candidates a collection looks at again per turn: a publish waits at most for these. */
const GARBAGE_AT_ONCE = 64;

export type Variant = 'br' | 'gzip';

export class ContentStore {
  /** Publishing and garbage collection take turns, so a collection never removes a content a publish is linking to. */
  private readonly turns = new Turns();

  constructor(readonly dir: string) {}

  pathOf(hash: string, variant?: Variant): string {
    return join(this.dir, hash.slice(0, 2), variant ? `${hash}.${variant === 'br' ? 'br' : 'gz'}` : hash);
  }

  /**
   * Replaces every regular file under `tree` with a hard link into the store; makes variants.
   * Files are taken a few at a time: compression runs on libuv's thread pool, so a site of
   * thousands of new files is published in a fraction of the time one at a time would take.
   */
  absorb(tree: string): Promise<void> {
    return this.turns.take(async () => {
      const files = (await readdir(tree, { withFileTypes: true, recursive: true })).filter((entry) => entry.isFile());
      await pool(files, FILES_AT_ONCE, async (entry) => {
        const path = join(entry.parentPath, entry.name);
        const hash = await hashFile(path);
        const stored = this.pathOf(hash);
        if (!existsSync(stored)) {
          // New content: variants first (a stored content always has its variants), then the file
          // itself becomes the stored copy. Two files with one content may race here: the loser
          // links to the winner's copy below.
          await mkdir(join(this.dir, hash.slice(0, 2)), { recursive: true });
          await this.makeVariants(path, stored, entry.name);
          if (await linkUnlessExists(path, stored)) return;
        }
        // Already the stored copy (a hard link of the output, e.g. a confined symlink, to a file
        // absorbed first): renaming a link over itself would do nothing and leave the temp behind.
        if ((await lstat(path)).ino === (await lstat(stored)).ino) return;
        const temp = `${path}.opus-link`;
        await link(stored, temp);
        await rename(temp, path);
      });
    });
  }

  /**
   * Deletes contents no version links to any more (link count 1: only the store's own), variants
   * whose content is gone and temp files of a write a kill cut short; how many contents went. The
   * walk holds no turn (on a store of many versions it takes seconds, and a publish must not wait
   * for it): each candidate is looked at again in a turn of a few, where no publish is linking to it.
   */
  async collectGarbage(signal?: AbortSignal): Promise<number> {
    if (!existsSync(this.dir)) return 0;
    const candidates: string[] = [];
    for (const entry of await readdir(this.dir, { withFileTypes: true, recursive: true })) {
      if (signal?.aborted) return 0;
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      if (entry.name.includes('.') || (await lstat(path).catch(() => undefined))?.nlink === 1) candidates.push(path);
    }
    return this.discardInTurns(candidates, signal);
  }

  /**
   * Deletes `tree` (a version taken out of use), then the contents only it held: the work is in
   * proportion to the tree, not to the store. A kill between the two leaves contents nothing
   * holds, which the next start's collectGarbage takes.
   */
  async discardTree(tree: string): Promise<number> {
    const files = existsSync(tree) ? (await readdir(tree, { withFileTypes: true, recursive: true })).filter((entry) => entry.isFile()) : [];
    const stats: Stats[] = [];
    await pool(files.map((entry, i) => [entry, i] as const), FILES_AT_ONCE, async ([entry, i]) => void (stats[i] = await lstat(join(entry.parentPath, entry.name))));
    const linksInTree = new Map<number, number>();
    for (const stat of stats) linksInTree.set(stat.ino, (linksInTree.get(stat.ino) ?? 0) + 1);
    // Only files the store links to (never those of an output not absorbed yet) that no other
    // version links to (their links are the tree's and the store's own) are hashed, once each.
    // Two trees discarded at once may each see the other's link: what both leave is unheld
    // garbage, which the next start's collectGarbage takes.
    const alone = new Map<number, string>();
    files.forEach((entry, i) => {
      const stat = stats[i];
      if (stat && stat.nlink >= 2 && stat.nlink - (linksInTree.get(stat.ino) ?? 0) <= 1) alone.set(stat.ino, join(entry.parentPath, entry.name));
    });
    const stored: string[] = [];
    await pool([...alone.values()], FILES_AT_ONCE, async (path) => void stored.push(this.pathOf(await hashFile(path))));
    await rm(tree, { recursive: true, force: true });
    return this.discardInTurns(stored);
  }

  /** Looks at each path again in a turn of a few, where no publish is linking to it; how many contents went. */
  private async discardInTurns(paths: readonly string[], signal?: AbortSignal): Promise<number> {
    let removed = 0;
    for (let at = 0; at < paths.length && !signal?.aborted; at += GARBAGE_AT_ONCE) {
      removed += await this.turns.take(async () => {
        let count = 0;
        for (const path of paths.slice(at, at + GARBAGE_AT_ONCE)) count += (await this.discardIfGarbage(path)) ? 1 : 0;
        return count;
      });
    }
    return removed;
  }

  /** In a turn: whether `path` was a content nothing holds (removed with its variants); orphan variants and temps go too. */
  private async discardIfGarbage(path: string): Promise<boolean> {
    const name = basename(path);
    if (name.includes('.')) {
      const content = join(dirname(path), name.slice(0, name.indexOf('.')));
      if (!/^[0-9a-f]{64}\.(br|gz)$/.test(name) || !existsSync(content)) await rm(path, { force: true });
      return false;
    }
    if ((await lstat(path).catch(() => undefined))?.nlink !== 1) return false;
    await Promise.all([unlink(path), rm(`${path}.br`, { force: true }), rm(`${path}.gz`, { force: true })]);
    return true;
  }

  private async makeVariants(source: string, stored: string, name: string): Promise<void> {
    // Checked before reading: a large file that is not text is never read whole here.
    if (!isCompressible(name, (await stat(source)).size)) return;
    const body = await readFile(source);
    const [br, gzipped] = await Promise.all([
      brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
      gz(body, { level: 9 }),
    ]);
    // A variant is kept only when it is smaller; otherwise the identity is served. Written whole, then renamed.
    if (br.length < body.length) await writeFileAtomic(`${stored}.br`, br);
    if (gzipped.length < body.length) await writeFileAtomic(`${stored}.gz`, gzipped);
  }
}

/** Hard-links `existing` at `path`; false when `path` already exists. */
async function linkUnlessExists(existing: string, path: string): Promise<boolean> {
  try {
    await link(existing, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

export function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
