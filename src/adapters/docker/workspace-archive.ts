// The tar stream put into a build container before it starts: the source at /workspace, and the
// directories the build writes to (the workspace itself and the package cache's mount point),
// writable by whichever user the build runs as. Docker's archive API makes every entry root's
// (only copyUIDGID maps owners, and only to a user the image's /etc/passwd names), so the
// directories are made world-writable instead: the container is the build's alone, and a
// non-root build needs to create dist/ and node_modules/ in them.
import { Readable } from 'node:stream';
import * as tar from 'tar';

const WRITABLE_DIR = 0o777;

/** `sourceDir`'s contents under `workspace` (no leading slash), with `writableDirs` (ditto) made first. */
export function workspaceArchive(sourceDir: string, workspace: string, writableDirs: string[]): Readable {
  const source = tar.c(
    {
      cwd: sourceDir,
      prefix: workspace,
      // Not portable: that mode would take write access from group and others again.
      portable: false,
      onWriteEntry: (entry) => {
        const stat = entry.stat;
        if (!stat || (entry.type !== 'Directory' && entry.type !== 'File')) return;
        // Executable bits stay as they are (scripts in the source).
        stat.mode = (stat.mode & ~0o7777) | (entry.type === 'Directory' ? WRITABLE_DIR : 0o666 | (stat.mode & 0o111));
      },
    },
    ['.'],
  );
  return Readable.from(concat(writableDirs.flatMap(parents).map(directoryHeader), source));
}

async function* concat(headers: Buffer[], rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for (const header of headers) yield header;
  for await (const chunk of rest) yield chunk;
}

/** "opus/cache" → ["opus", "opus/cache"]: each directory with its parents first. */
function parents(dir: string): { path: string; mode: number }[] {
  const parts = dir.split('/').filter(Boolean);
  return parts.map((_, i) => ({ path: parts.slice(0, i + 1).join('/'), mode: i === parts.length - 1 ? WRITABLE_DIR : 0o755 }));
}

function directoryHeader({ path, mode }: { path: string; mode: number }): Buffer {
  const block = Buffer.alloc(512);
  new tar.Header({ path: `${path}/`, type: 'Directory', mode, size: 0, mtime: new Date(), uid: 0, gid: 0 }).encode(block, 0);
  return block;
}
