// The mirror's ledger as one JSON file, rewritten whole (write-temp-then-rename) one write at a time.
import { readFile } from 'node:fs/promises';
import type { MirrorLedger } from '../../ports/mirror-ledger.js';
import { writeFileAtomic } from './atomic-write.js';

export class FsMirrorLedger implements MirrorLedger {
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  async read(): Promise<Record<string, string>> {
    const text = await readFile(this.file, 'utf8').catch(() => undefined);
    // A lost or torn ledger only costs downloads: versions without a stamp are mirrored again.
    try {
      return text ? (JSON.parse(text) as Record<string, string>) : {};
    } catch {
      return {};
    }
  }

  write(stamps: Record<string, string>): Promise<void> {
    const write = this.writes.then(() => writeFileAtomic(this.file, `${JSON.stringify(stamps, null, 2)}\n`));
    this.writes = write.catch(() => undefined);
    return write;
  }
}
