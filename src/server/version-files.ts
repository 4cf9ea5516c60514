// Reads files of an immutable version directory. Versions never change once published, so what
// is read is kept in memory (bounded) and never invalidated.
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import mime from 'mime-types';

export interface SiteFile {
  body: Buffer;
  etag: string;
  lastModified: Date;
  contentType: string;
}

const NOT_FOUND = null;

export class VersionFiles {
  private readonly cache = new Map<string, SiteFile | typeof NOT_FOUND>();
  private cachedBytes = 0;

  constructor(private readonly maxBytes = 256 * 1024 ** 2) {}

  /** The file at `relative` under `root`, or undefined when it is missing or leaves `root`. */
  async read(root: string, relative: string): Promise<SiteFile | undefined> {
    const key = `${root}\0${relative}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const file = await this.load(root, relative);
    this.remember(key, file ?? NOT_FOUND);
    return file;
  }

  private async load(root: string, relative: string): Promise<SiteFile | undefined> {
    try {
      const realRoot = await realpath(root);
      const real = await realpath(join(root, relative));
      // A symlink may point anywhere; only what resolves inside the version is served.
      if (!real.startsWith(realRoot + sep)) return undefined;
      const info = await stat(real);
      if (!info.isFile()) return undefined;
      const body = await readFile(real);
      return {
        body,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`,
        lastModified: new Date(Math.floor(info.mtimeMs / 1000) * 1000),
        contentType: mime.contentType(extname(real)) || 'application/octet-stream',
      };
    } catch {
      return undefined;
    }
  }

  private remember(key: string, file: SiteFile | typeof NOT_FOUND): void {
    const size = file?.body.length ?? 0;
    if (size > this.maxBytes / 8) return;
    this.cache.set(key, file);
    this.cachedBytes += size;
    for (const [oldKey, old] of this.cache) {
      if (this.cachedBytes <= this.maxBytes && this.cache.size <= 100_000) break;
      this.cache.delete(oldKey);
      this.cachedBytes -= old?.body.length ?? 0;
    }
  }
}
