// The live pointers and serving settings of a store, kept as two small JSON documents in its
// bookkeeping (`live.json`, `serving.json`), whatever holds them (a directory, a bucket). A switch
// is a read-modify-write: one at a time in this process, and a compare-and-swap where the medium
// has one (S3's conditional PUT), so another process writing at the same moment (an old leader
// that has not yet seen it lost the Lease) never makes a change get lost.
import { checkTerm, writerTerm } from '../domain/fencing.js';
import { withLivePointer, type LivePointer, type ServingSettings } from '../domain/live-pointers.js';
import type { PointerStore } from '../ports/pointer-store.js';

/** Where the documents live: read (undefined when absent) and replace whole. */
export interface TextDocuments {
  read(name: string): Promise<string | undefined>;
  write(name: string, text: string): Promise<void>;
  /** Read, change, write back only if nobody wrote in between, again until it holds (S3Objects.update). */
  update?(name: string, change: (text: string | undefined) => string): Promise<void>;
}

/** The key of live.json that holds the term of its last writer (no project can be named so). */
const TERM_KEY = '.term';

export { FencedWrite } from '../domain/fencing.js';

export class StoredPointers implements PointerStore {
  private liveWrites: Promise<unknown> = Promise.resolve();

  /**
   * With `term` (and a medium with `update`), writes are fenced: each carries the writer's term,
   * and one whose term is below the last writer's, or made while not leading (undefined), is refused.
   */
  constructor(
    private readonly documents: TextDocuments,
    private readonly term?: () => number | undefined,
  ) {}

  async readLive(): Promise<Record<string, LivePointer>> {
    const text = await this.documents.read('live.json');
    const { [TERM_KEY]: _term, ...live } = text === undefined ? {} : (JSON.parse(text) as Record<string, LivePointer>);
    return live;
  }

  async readServing(): Promise<ServingSettings> {
    const text = await this.documents.read('serving.json');
    const { [TERM_KEY]: _term, ...settings } = text === undefined ? {} : (JSON.parse(text) as ServingSettings & { [TERM_KEY]?: number });
    return settings;
  }

  /** Fenced like the live pointers: an old leader cannot put back the preview domain its successor changed. */
  async writeServing(settings: ServingSettings): Promise<void> {
    const change = (text: string | undefined) => {
      const last = text === undefined ? undefined : (JSON.parse(text) as { [TERM_KEY]?: number })[TERM_KEY];
      const term = writerTerm(this.term, 'the serving settings');
      checkTerm(last, term, 'the serving settings');
      return `${JSON.stringify(term === undefined ? settings : { [TERM_KEY]: term, ...settings }, null, 2)}\n`;
    };
    if (this.documents.update) return this.documents.update('serving.json', change);
    await this.documents.write('serving.json', change(await this.documents.read('serving.json')));
  }

  setLive(project: string, pointer: Omit<LivePointer, 'since'> | undefined): Promise<void> {
    const change = (text: string | undefined) => {
      const { [TERM_KEY]: last, ...live } = (text === undefined ? {} : JSON.parse(text)) as Record<string, LivePointer> & { [TERM_KEY]?: number };
      const term = writerTerm(this.term, 'the live pointers');
      checkTerm(last, term, 'the live pointers');
      const next = withLivePointer(live, project, pointer, new Date().toISOString());
      return `${JSON.stringify(term === undefined ? next : { [TERM_KEY]: term, ...next }, null, 2)}\n`;
    };
    const write = this.liveWrites.then(async () => {
      if (this.documents.update) return this.documents.update('live.json', change);
      await this.documents.write('live.json', change(await this.documents.read('live.json')));
    });
    this.liveWrites = write.catch(() => undefined);
    return write;
  }
}
