// How much one build may leave behind. Build code is not ours: without these a build could fill the
// host's disk (a sparse file counts by its apparent size), its inode table, or the memory of
// whatever reads its log. Pure: the checks are made by the output walk and the log writer.

export interface BuildLimits {
  /** All files of the output together, in bytes (apparent sizes: a sparse file counts whole). */
  outputBytes: number;
  /** Files and directories in the output. */
  files: number;
  /** One file of the output, in bytes. */
  fileBytes: number;
  /** The build log; what the build prints beyond it is cut (the build goes on). */
  logBytes: number;
  /** What the build writes inside its container (workspace, node_modules, /tmp), on the host's disk while it runs; past it the build is stopped. */
  diskBytes: number;
}

export type LimitName = keyof BuildLimits;

/** Cloudflare Pages allows 20,000 files of 25 MiB; these leave room above that for ordinary sites. */
export const DEFAULT_BUILD_LIMITS: BuildLimits = {
  outputBytes: 1024 ** 3,
  files: 50_000,
  fileBytes: 50 * 1024 ** 2,
  logBytes: 10 * 1024 ** 2,
  diskBytes: 10 * 1024 ** 3,
};

/** What the build container gets (domain/desired-state.ts fills these from opus.yaml and the project). */
export interface SandboxSettings {
  cpus: number;
  pids: number;
  /** "uid:gid" or a user name of the image. */
  user: string;
}

/** The uid and gid of the `node` user of the official Node images (and of scripts/base-image.sh's). */
export const DEFAULT_SANDBOX: SandboxSettings = { cpus: 2, pids: 1024, user: '1000:1000' };

export const NO_LIMITS: BuildLimits = { outputBytes: Infinity, files: Infinity, fileBytes: Infinity, logBytes: Infinity, diskBytes: Infinity };

/** The YAML key of each limit, under `build.limits` of a project or `builds.limits` of opus.yaml. */
export const LIMIT_KEYS: Record<LimitName, string> = { outputBytes: 'output', files: 'files', fileBytes: 'file', logBytes: 'log', diskBytes: 'disk' };

/** The limits of a build from the YAML's `limits` keys (sizes already in bytes) over `base`. */
export function limitsFrom(file: Partial<Record<'output' | 'files' | 'file' | 'log' | 'disk', number>> | undefined, base: BuildLimits): BuildLimits {
  return {
    outputBytes: file?.output ?? base.outputBytes,
    files: file?.files ?? base.files,
    fileBytes: file?.file ?? base.fileBytes,
    logBytes: file?.log ?? base.logBytes,
    diskBytes: file?.disk ?? base.diskBytes,
  };
}

/** How a limit reads in a message: "50000 files", "52428800 bytes (50.0 MiB)". */
export function describeLimit(name: LimitName, value: number): string {
  return name === 'files' ? `${value} files` : `${value} bytes (${(value / 1024 ** 2).toFixed(1)} MiB)`;
}

/** Why a build failed on a limit: which one, what the build reached, and how to raise it. */
export function limitMessage(name: LimitName, limit: number, reached: number, what?: string): string {
  const subject = {
    outputBytes: 'the build output is larger than',
    files: 'the build output has more files and directories than',
    fileBytes: `a file of the build output${what ? ` (${logSafe(what)})` : ''} is larger than`,
    logBytes: 'the build log is larger than',
    diskBytes: 'the build wrote more inside its container than',
  }[name];
  const key = LIMIT_KEYS[name];
  return `${subject} the limit of ${describeLimit(name, limit)} (it reached ${describeLimit(name, reached)}): raise build.limits.${key} in the project's file, or builds.limits.${key} in opus.yaml`;
}

/**
 * A name from the build output as it goes into a log line: quoted (JSON) when it holds a control
 * character, so a file called "x\nopus: published" stays one line about one entry.
 */
export function logSafe(name: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name) : name;
}

/** At most this many lines about left-out entries go to the log; the rest are counted in one line. */
export const MAX_NOTES = 100;

/** The notes for the log: the first MAX_NOTES, and how many more there were. */
export function boundedNotes(notes: string[]): string[] {
  return notes.length <= MAX_NOTES ? notes : [...notes.slice(0, MAX_NOTES), `opus: … and ${notes.length - MAX_NOTES} more left out`];
}

/** A running tally of the output against the limits; the first limit crossed is the answer. */
export class OutputTally {
  /** Entries: files and directories. */
  files = 0;
  regularFiles = 0;
  bytes = 0;

  constructor(readonly limits: BuildLimits) {}

  /** Counts one file; a message when a limit is crossed, else undefined. */
  add(size: number, path: string): string | undefined {
    this.files += 1;
    this.bytes += size;
    this.regularFiles += 1;
    if (size > this.limits.fileBytes) return limitMessage('fileBytes', this.limits.fileBytes, size, path);
    if (this.files > this.limits.files) return limitMessage('files', this.limits.files, this.files);
    if (this.bytes > this.limits.outputBytes) return limitMessage('outputBytes', this.limits.outputBytes, this.bytes);
    return undefined;
  }

  /** Counts an entry without bytes (a directory, or one left out): it takes an inode like a file does. */
  addEntry(): string | undefined {
    this.files += 1;
    return this.files > this.limits.files ? limitMessage('files', this.limits.files, this.files) : undefined;
  }
}
