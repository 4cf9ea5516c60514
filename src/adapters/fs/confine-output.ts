// The one place a build's output is made safe to publish, run by every store's publish over the
// staging directory: afterwards it holds only regular files and directories, within the limits.
// A symbolic link whose target (after every link of a chain) is a regular file inside the output
// becomes a hard link to that file, so the site works as built; a link to a directory is dropped
// (copying trees would let a few links multiply the output), and so is every other link (outside
// the output, dangling, looping, to /dev or /proc), device, FIFO and socket, each with a line in
// the build log. Limits count apparent sizes (a sparse file counts whole) and fail the build.
import { link, lstat, readdir, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { boundedNotes, logSafe, NO_LIMITS, OutputTally, type BuildLimits } from '../../domain/build-limits.js';
import { UserError } from '../../domain/errors.js';

export interface ConfinedOutput {
  /** Regular files published. */
  files: number;
  bytes: number;
  /** What was dropped or replaced, one line each for the build log. */
  notes: string[];
}

/** No `limits`: none (a replica re-publishing a version that was confined and counted when built). */
export async function confineOutput(dir: string, limits: BuildLimits = NO_LIMITS): Promise<ConfinedOutput> {
  const root = await realpath(dir);
  const tally = new OutputTally(limits);
  const notes: string[] = [];
  const count = (exceeded: string | undefined) => {
    if (exceeded) throw new UserError(exceeded);
  };
  // First every decision, on the tree as built; then the changes. So a link is judged by where it
  // really points, never by which other link happened to be dropped before it.
  const replace: { path: string; target: string }[] = [];
  const drop: string[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      const name = relative(root, path);
      const info = await lstat(path);
      if (info.isDirectory()) {
        count(tally.addEntry());
        await walk(path);
      } else if (info.isFile()) {
        count(tally.add(info.size, name));
      } else if (info.isSymbolicLink()) {
        const target = await linkTarget(root, path);
        if (typeof target === 'string') {
          count(tally.addEntry());
          notes.push(`opus: dropped ${logSafe(name)}: a link to ${logSafe(await readlink(path))}, ${target}`);
          drop.push(path);
        } else {
          count(tally.add(target.size, name));
          replace.push({ path, target: target.path });
        }
      } else {
        count(tally.addEntry());
        notes.push(`opus: dropped ${logSafe(name)}: a ${kindOf(info)}; only files and directories are published`);
        drop.push(path);
      }
    }
  };
  await walk(root);
  // Targets are real paths of regular files, which are never dropped: the order below is safe.
  for (const { path, target } of replace) {
    // Into a temporary name, then over the link: the name never points elsewhere meanwhile.
    await link(target, `${path}.opus-link`);
    await rename(`${path}.opus-link`, path);
  }
  for (const path of drop) await unlink(path);
  return { files: tally.regularFiles, bytes: tally.bytes, notes: boundedNotes(notes) };
}

/** The regular file inside root a link ends at, or why it is dropped. */
async function linkTarget(root: string, path: string): Promise<{ path: string; size: number } | string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'which loops' : 'which does not exist';
  }
  if (real !== root && !real.startsWith(root + sep)) return 'outside the output';
  const info = await stat(real);
  if (info.isDirectory()) return 'a directory (only links to files are kept)';
  if (!info.isFile()) return `a ${kindOf(info)}`;
  return { path: real, size: info.size };
}

function kindOf(info: { isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (info.isFIFO()) return 'FIFO';
  if (info.isSocket()) return 'socket';
  return info.isCharacterDevice() || info.isBlockDevice() ? 'device' : 'special file';
}
