// The log of one build: what the build prints goes through the cap (a log over builds.limits.log is
// cut, with a note at the cut; the build goes on) and then the secret mask, to the file. Opus's own
// lines ("opus: …") bypass the cap, not the mask, so the end of a cut log still says how the build
// ended. Both kinds go through one stream, so they stay in the order they were written.
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { SecretMask } from './secret-mask.js';

export class BuildLog {
  private readonly mask: SecretMask;
  private readonly done: Promise<void>;
  private written = 0;
  private cut = false;
  /** Chunks that are Opus's own lines: counted against no cap. */
  private readonly notes = new WeakSet<Buffer>();
  /** Where the build's own output goes (the runner writes to it). */
  readonly output: Writable;

  /** `target`: where the log is kept (BuildLogs.createLog). */
  constructor(target: Writable, private readonly limitBytes: number, secrets: string[]) {
    this.mask = new SecretMask(secrets);
    this.done = pipeline(this.mask, target);
    this.done.catch(() => undefined);
    this.output = new Writable({
      write: (chunk: Buffer | string, _encoding, callback) => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (this.notes.has(bytes)) this.forward(bytes, callback);
        else this.fromBuild(bytes, callback);
      },
    });
    // A runner that writes after the build ended (a late chunk of a container's stream) loses that chunk, nothing more.
    this.output.on('error', () => undefined);
  }

  /** A line of Opus's own (ends with a newline). */
  note(line: string): void {
    const bytes = Buffer.from(line);
    this.notes.add(bytes);
    this.output.write(bytes);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.output.end(resolve));
    this.mask.end();
    await this.done;
  }

  private fromBuild(chunk: Buffer, callback: (error?: Error | null) => void): void {
    if (this.cut) return callback();
    const room = this.limitBytes - this.written;
    if (chunk.length <= room) {
      this.written += chunk.length;
      return this.forward(chunk, callback);
    }
    this.cut = true;
    this.mask.write(chunk.subarray(0, Math.max(0, room)));
    this.forward(Buffer.from(`\nopus: the build log reached its limit of ${this.limitBytes} bytes (builds.limits.log); the rest of what the build prints is left out\n`), callback);
  }

  /** Waits while the file is behind, so a build that prints fast is slowed down rather than held in memory. */
  private forward(chunk: Buffer, callback: (error?: Error | null) => void): void {
    if (this.mask.write(chunk)) callback();
    else this.mask.once('drain', () => callback());
  }
}
