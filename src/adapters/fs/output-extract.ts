// Unpacks a build's output (a tar stream from the container or the build pod) into a staging
// directory, refusing at the tar header what publishing would drop anyway: devices, FIFOs, links
// whose target leaves the output. Limits are counted on the headers too, so a 100 MiB (sparse or
// not) file never reaches the host's disk when the limit is lower: the unpack stops at once.
// This is the first line only: node-tar checks each link alone, not a chain of them, so
// confineOutput (run at publish) is what makes the output safe.
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { logSafe, MAX_NOTES, OutputTally, type BuildLimits } from '../../domain/build-limits.js';
import { UserError } from '../../domain/errors.js';

export interface ExtractOptions {
  /** Leading path components to drop (1 for Docker's archive of the output directory itself). */
  strip?: number;
  limits: BuildLimits;
  /** One line for the build log per entry left out. */
  note: (line: string) => void;
}

const FILES = new Set(['File', 'OldFile', 'ContiguousFile']);

export async function extractOutput(archive: NodeJS.ReadableStream | Readable, dir: string, options: ExtractOptions): Promise<void> {
  const strip = options.strip ?? 0;
  const tally = new OutputTally(options.limits);
  let failure: UserError | undefined;
  let leftOut = 0;
  const unpack = tar.x({
    cwd: dir,
    strip,
    preserveOwner: false,
    // No setuid/setgid bits nor odd permissions from the build: files are served, never run.
    noChmod: true,
    filter: (path, entry) => {
      if (failure) return false;
      const name = path.split('/').slice(strip).join('/');
      if (!name) return true;
      const type = 'type' in entry ? entry.type : entry.isDirectory() ? 'Directory' : 'File';
      const refused = refusal(type, name, 'linkpath' in entry ? entry.linkpath : undefined, strip);
      if (refused) {
        leftOut += 1;
        if (leftOut <= MAX_NOTES) options.note(`opus: left out ${logSafe(name)}: ${logSafe(refused)}`);
        // Entries left out count too: a tar of a million FIFOs is refused like a million files.
        const exceeded = tally.addEntry();
        if (exceeded) unpack.abort((failure = new UserError(exceeded)));
        return false;
      }
      const exceeded = type === 'Directory' ? tally.addEntry() : tally.add(type === 'File' || FILES.has(type) ? entry.size ?? 0 : 0, name);
      if (exceeded) failure = new UserError(exceeded);
      if (failure) unpack.abort(failure);
      return !failure;
    },
  });
  try {
    await pipeline(archive as Readable, unpack);
  } catch (error) {
    throw failure ?? error;
  }
  if (failure) throw failure;
  if (leftOut > MAX_NOTES) options.note(`opus: … and ${leftOut - MAX_NOTES} more left out`);
}

/** Why an entry is not unpacked, or undefined when it may be. */
function refusal(type: string, name: string, linkpath: string | undefined, strip: number): string | undefined {
  if (type === 'Directory' || FILES.has(type)) return undefined;
  if (type === 'SymbolicLink' || type === 'Link') {
    const target = linkpath ?? '';
    // A hard link's target is a path in the archive (so stripped like the entry); a symlink's is relative to its directory.
    const inside = type === 'Link' ? target.split('/').slice(strip).join('/') : posix.join(posix.dirname(name), target);
    if (posix.isAbsolute(target) || posix.normalize(inside).split('/')[0] === '..') return `a link to ${target}, outside the output`;
    return undefined;
  }
  return `a ${type === 'FIFO' ? 'FIFO' : type === 'CharacterDevice' || type === 'BlockDevice' ? 'device' : `${type} entry`}; only files and directories are published`;
}
