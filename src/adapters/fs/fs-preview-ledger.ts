// The previews of every project as one JSON file, rewritten whole (write-temp-then-rename), one write at a time.
import { readFile } from 'node:fs/promises';
import type { Preview } from '../../domain/previews/preview-state.js';
import type { PreviewLedger } from '../../ports/previews.js';
import { writeFileAtomic } from './atomic-write.js';

export class FsPreviewLedger implements PreviewLedger {
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  async read(): Promise<Preview[]> {
    const text = await readFile(this.file, 'utf8').catch(() => undefined);
    try {
      const data: unknown = text ? JSON.parse(text) : [];
      return Array.isArray(data) ? (data as Preview[]) : [];
    } catch {
      return [];
    }
  }

  write(previews: Preview[]): Promise<void> {
    const write = this.writes.then(() => writeFileAtomic(this.file, `${JSON.stringify(previews, null, 2)}\n`));
    this.writes = write.catch(() => undefined);
    return write;
  }
}
