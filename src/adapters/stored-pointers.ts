// The live pointers and serving settings of a store, kept as two small JSON documents in its
// bookkeeping (`live.json`, `serving.json`), whatever holds them (a directory, a bucket). A switch
// is a read-modify-write: one at a time in this process (one process writes: see the sync Lease).
import { withLivePointer, type LivePointer, type ServingSettings } from '../domain/live-pointers.js';
import type { PointerStore } from '../ports/pointer-store.js';

/** Where the documents live: read (undefined when absent) and replace whole. */
export interface TextDocuments {
  read(name: string): Promise<string | undefined>;
  write(name: string, text: string): Promise<void>;
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
    const write = this.liveWrites.then(async () => {
      const live = withLivePointer(await this.readLive(), project, pointer, new Date().toISOString());
      await this.documents.write('live.json', `${JSON.stringify(live, null, 2)}\n`);
    });
    this.liveWrites = write.catch(() => undefined);
    return write;
  }
}
