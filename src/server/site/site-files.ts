// Files of immutable versions, read once and kept in memory (bounded) with everything a response
// needs: bodies for each content coding, ETags, type. Versions never change once published, so
// nothing here is ever invalidated; per-request filesystem work is what makes static servers slow.
// Files too large for the cache are never read whole: only their metadata is kept, and each
// request streams them from a descriptor the confined opener gives it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import mime from 'mime-types';
import { openConfined, readWhole, type ConfinedFile } from './confined-read.js';

/** Netlify's rules files configure the site and are never served themselves. */
const NEVER_SERVED = new Set(['_headers', '_redirects']);
/** Metadata of streamed files kept at most (a few hundred bytes each); past that all are dropped. */
const MAX_STREAMED_KEPT = 10_000;
const HASH_CHUNK = 1024 ** 2;

export interface SiteFile {
  /** Path relative to the version root, as found. */
  path: string;
  /** Empty for a streamed file. */
  identity: Buffer;
  /** Set for a file served from disk per request: its size, and the confined opener of its descriptor. */
  streamed?: { size: number; open(): Promise<ConfinedFile | undefined> };
  br?: Buffer;
  gzip?: Buffer;
  /** Strong ETag of the identity body; coded bodies add a suffix. */
  etag: string;
  lastModified: Date;
  contentType: string;
}

export class SiteFiles {
  private readonly cache = new Map<string, SiteFile | null>();
  /** The files `cache` holds now: only answers made of these may be remembered elsewhere (they share its buffers). */
  private readonly kept = new WeakSet<SiteFile>();
  private readonly loading = new Map<string, Promise<SiteFile | undefined>>();
  /** Streamed files by key: no body, so they cost nothing like what `cache` holds. */
  private readonly streamed = new Map<string, SiteFile>();
  private cachedBytes = 0;
  private evictionCount = 0;

  constructor(
    private readonly variantPath: (hash: string, coding: 'br' | 'gzip') => string,
    private readonly maxBytes = 512 * 1024 ** 2,
  ) {}

  /** Files larger than this are streamed from disk, never held (the largest `cache` would keep). */
  get streamAbove(): number {
    return this.maxBytes / 16;
  }

  /** Goes up whenever a file is dropped to stay within the bound: answers that refer to files must be dropped too. */
  get evictions(): number {
    return this.evictionCount;
  }

  /** True while this file is held here, so a reference to it costs no extra memory. */
  keeps(file: SiteFile): boolean {
    return this.kept.has(file);
  }

  /** Drops what was read of a version that was removed or published again. */
  forget(root: string): void {
    for (const key of this.streamed.keys()) if (key.startsWith(`${root}\0`)) this.streamed.delete(key);
    for (const [key, file] of this.cache) {
      if (!key.startsWith(`${root}\0`)) continue;
      this.cache.delete(key);
      if (file) this.kept.delete(file);
      this.cachedBytes -= file ? file.identity.length + (file.br?.length ?? 0) + (file.gzip?.length ?? 0) : 0;
    }
  }

  async read(root: string, relative: string): Promise<SiteFile | undefined> {
    const key = `${root}\0${relative}`;
    const hit = this.cache.get(key) ?? this.streamed.get(key);
    if (hit !== undefined) return hit ?? undefined;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(root, relative).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    const file = await pending;
    if (file?.streamed) {
      if (this.streamed.size >= MAX_STREAMED_KEPT) this.streamed.clear();
      this.streamed.set(key, file);
    } else this.remember(key, file ?? null);
    return file;
  }

  private async load(root: string, relative: string): Promise<SiteFile | undefined> {
    if (NEVER_SERVED.has(relative)) return undefined;
    // A symlink may point anywhere: only a regular file that resolves inside the version is served.
    const opened = await openConfined(root, relative);
    if (!opened) return undefined;
    const { real, size, mtimeMs } = opened;
    const lastModified = new Date(Math.floor(mtimeMs / 1000) * 1000);
    const contentType = mime.contentType(extname(real)) || 'application/octet-stream';
    if (size > this.streamAbove) {
      // The same ETag as if it were read whole, from a hash made in bounded pieces.
      const hash = await hashOf(opened).finally(() => opened.handle.close());
      const open = async () => {
        const again = await openConfined(root, relative);
        // Versions are immutable: a file that changed under the server is not served with stale headers.
        if (again && (again.size !== size || again.mtimeMs !== mtimeMs)) return void (await again.handle.close());
        return again;
      };
      return { path: relative, identity: Buffer.alloc(0), streamed: { size, open }, etag: `"${hash.slice(0, 40)}"`, lastModified, contentType };
    }
    const identity = await readWhole(opened).finally(() => opened.handle.close());
    const hash = createHash('sha256').update(identity).digest('hex');
    const variant = async (kind: 'br' | 'gzip') => {
      const path = this.variantPath(hash, kind);
      return existsSync(path) ? readFile(path) : undefined;
    };
    const [br, gzip] = await Promise.all([variant('br'), variant('gzip')]);
    return {
      path: relative,
      identity,
      ...(br ? { br } : {}),
      ...(gzip ? { gzip } : {}),
      etag: `"${hash.slice(0, 40)}"`,
      lastModified,
      contentType,
    };
  }

  private remember(key: string, file: SiteFile | null): void {
    const size = file ? file.identity.length + (file.br?.length ?? 0) + (file.gzip?.length ?? 0) : 0;
    if (size > this.maxBytes / 16) return;
    this.cache.set(key, file);
    if (file) this.kept.add(file);
    this.cachedBytes += size;
    for (const [oldKey, old] of this.cache) {
      if (this.cachedBytes <= this.maxBytes && this.cache.size <= 200_000) break;
      this.cache.delete(oldKey);
      if (old) this.kept.delete(old);
      this.evictionCount += 1;
      this.cachedBytes -= old ? old.identity.length + (old.br?.length ?? 0) + (old.gzip?.length ?? 0) : 0;
    }
  }
}

async function hashOf({ handle, size }: ConfinedFile): Promise<string> {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(Math.min(HASH_CHUNK, size));
  for (let at = 0; at < size; ) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - at), at);
    if (bytesRead === 0) break;
    hash.update(chunk.subarray(0, bytesRead));
    at += bytesRead;
  }
  return hash.digest('hex');
}
