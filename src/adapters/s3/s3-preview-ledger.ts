// The previews of every project (their aliases: pr-<n>, branch, and the versions they built) as one
// document in the shared store, `<prefix>.opus/previews.json`, so every replica resolves the same
// aliases and mirrors the same preview versions. Written like live.json: a compare-and-swap
// (If-Match the ETag read), carrying the writer's Lease term; a write in an older term, or while not
// leading, is refused, so an old leader that has not yet noticed cannot undo its successor's change.
import type { Preview } from '../../domain/previews/preview-state.js';
import type { PreviewLedger } from '../../ports/previews.js';
import { FencedWrite } from '../stored-pointers.js';
import type { S3Objects } from './s3-objects.js';

const KEY = '.opus/previews.json';

interface Stored { term?: number; previews: Preview[] }

export class S3PreviewLedger implements PreviewLedger {
  private writes: Promise<unknown> = Promise.resolve();

  /** `term`: the Lease term while this replica leads (undefined otherwise); without it, writes are not fenced. */
  constructor(
    private readonly objects: S3Objects,
    private readonly term?: () => number | undefined,
  ) {}

  async read(): Promise<Preview[]> {
    return parse(await this.objects.getText(KEY)).previews;
  }

  write(previews: Preview[]): Promise<void> {
    const write = this.writes.then(() => this.objects.update(KEY, (text) => {
      const last = parse(text).term;
      const term = this.term ? this.term() : undefined;
      if (this.term && term === undefined) throw new FencedWrite('this replica does not hold the sync Lease: it does not write the previews');
      if (term !== undefined && last !== undefined && last > term) throw new FencedWrite(`the previews were written in term ${last}; this replica's term ${term} is over`);
      return `${JSON.stringify({ ...(term === undefined ? {} : { term }), previews } satisfies Stored, null, 2)}\n`;
    }));
    this.writes = write.catch(() => undefined);
    return write;
  }
}

function parse(text: string | undefined): Stored {
  if (text === undefined) return { previews: [] };
  try {
    const data = JSON.parse(text) as Partial<Stored>;
    return { ...(typeof data.term === 'number' ? { term: data.term } : {}), previews: Array.isArray(data.previews) ? data.previews : [] };
  } catch {
    return { previews: [] };
  }
}
