// The live pointers and serving settings of a store, kept as two small JSON documents in its
// bookkeeping (`live.json`, `serving.json`), whatever holds them (a directory, a bucket). A switch
// is a read-modify-write: one at a time in this process, and a compare-and-swap where the medium
// has one (S3's conditional PUT), so another process writing at the same moment (an old leader
// that has not yet seen it lost the Lease) never makes a change get lost.
import { withLivePointer, type LivePointer, type ServingSettings } from '../domain/live-pointers.js';
import type { PointerStore } from '../ports/pointer-store.js';

/** Where the documents live: read (undefined when absent) and replace whole. */
export interface TextDocuments {
  read(name: string): Promise<string | undefined>;
  write(name: string, text: string): Promise<void>;
  /** Read, change, write back only if nobody wrote in between, again until it holds (S3Objects.update). */
  update?(name: string, change: (text: string | undefined) => string): Promise<void>;
}

export class StoredPointers implements PointerStore {
  private liveWrites: Promise<unknown> = Promise.resolve();

  constructor(private readonly documents: TextDocuments) {}

  async readLive(): Promise<Record<string, LivePointer>> {
    const text = await this.documents.read('live.json');
    return text === undefined ? {} : (JSON.parse(text) as Record<string, LivePointer>);
  }

  async readServing(): Promise<ServingSettings> {
    const text = await this.documents.read('serving.json');
    return text === undefined ? {} : (JSON.parse(text) as ServingSettings);
  }

  async writeServing(settings: ServingSettings): Promise<void> {
    await this.documents.write('serving.json', `${JSON.stringify(settings, null, 2)}\n`);
  }

  setLive(project: string, pointer: Omit<LivePointer, 'since'> | undefined): Promise<void> {
    const change = (text: string | undefined) => `${JSON.stringify(withLivePointer(text === undefined ? {} : (JSON.parse(text) as Record<string, LivePointer>), project, pointer, new Date().toISOString()), null, 2)}\n`;
    const write = this.liveWrites.then(async () => {
      if (this.documents.update) return this.documents.update('live.json', change);
      await this.documents.write('live.json', change(await this.documents.read('live.json')));
    });
    this.liveWrites = write.catch(() => undefined);
    return write;
  }
}
