// The previews of every project (their aliases: pr-<n>, branch, and the versions they built) as one
// document in the shared store, `<prefix>.opus/previews.json`, so every replica resolves the same
// aliases and mirrors the same preview versions. Written like live.json: a compare-and-swap
// (If-Match the ETag read), carrying the writer's Lease term; a write in an older term, or while not
// leading, is refused, so an old leader that has not yet noticed cannot undo its successor's change.
import type { Preview } from '../../domain/previews/preview-state.js';
import type { PreviewLedger } from '../../ports/previews.js';
import { checkTerm, writerTerm } from '../../domain/fencing.js';
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
    const write = this.writes.then(async () => {
      await this.objects.update(KEY, (text) => {
        const term = writerTerm(this.term, 'the previews');
        checkTerm(parse(text).term, term, 'the previews');
        return `${JSON.stringify({ ...(term === undefined ? {} : { term }), previews } satisfies Stored, null, 2)}\n`;
      });
    });
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
