// A bounded queue of builds: at most `limit` run at once, and one key (project@version) is never
// in it twice; asking again for a queued or running key returns the same promise.
import { BuildCancelled } from '../domain/build-record.js';

type Task = (signal: AbortSignal) => Promise<void>;

interface Entry {
  key: string;
  task: Task;
  controller: AbortController;
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** The abort reason of builds stopped because the server stops (not a cancel: they resume at the next start). */
export const SHUTDOWN = 'opus server stopping';

export class BuildQueue {
  private readonly waiting: Entry[] = [];
  private readonly running = new Map<string, Entry>();
  private isStopping = false;

  constructor(private limit: number) {}

  /** True once shutdown() began: nothing enqueued from then on ever runs. */
  get stopping(): boolean {
    return this.isStopping;
  }

  setLimit(limit: number): void {
    // A sync that was under way when the server began stopping must not start builds again.
    if (this.isStopping) return;
    this.limit = limit;
    this.pump();
  }

  /** Keys queued or running. */
  keys(): Set<string> {
    return new Set([...this.running.keys(), ...this.waiting.map((e) => e.key)]);
  }

  runningKeys(): string[] {
    return [...this.running.keys()];
  }

  queuedKeys(): string[] {
    return this.waiting.map((e) => e.key);
  }

  enqueue(key: string, task: Task): Promise<void> {
    const existing = this.running.get(key) ?? this.waiting.find((e) => e.key === key);
    if (existing) return existing.promise;
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    this.waiting.push({ key, task, controller: new AbortController(), promise, resolve, reject });
    this.pump();
    return promise;
  }

  /** Cancels a queued build at once, or aborts a running one through its signal (with `reason`, default BuildCancelled). */
  cancel(key: string, reason: Error = new BuildCancelled()): boolean {
    const index = this.waiting.findIndex((e) => e.key === key);
    if (index >= 0) {
      const [entry] = this.waiting.splice(index, 1);
      entry?.reject(reason);
      return true;
    }
    const running = this.running.get(key);
    running?.controller.abort(reason);
    return running !== undefined;
  }

  /**
   * The server is stopping: running builds are aborted (their containers removed by the runner)
   * with SHUTDOWN as the reason, queued ones are dropped. Their records stay queued/running on
   * disk, so the next start runs them again. Resolves once the running ones have ended.
   */
  async shutdown(): Promise<void> {
    this.isStopping = true;
    this.limit = 0;
    this.waiting.length = 0;
    const running = [...this.running.values()];
    for (const entry of running) entry.controller.abort(SHUTDOWN);
    await Promise.allSettled(running.map((e) => e.promise));
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.waiting.length > 0) {
      await Promise.allSettled([...this.running.values(), ...this.waiting].map((e) => e.promise));
    }
  }

  private pump(): void {
    while (this.running.size < this.limit && this.waiting.length > 0) {
      const entry = this.waiting.shift() as Entry;
      this.running.set(entry.key, entry);
      entry
        .task(entry.controller.signal)
        .then(entry.resolve, entry.reject)
        .finally(() => {
          this.running.delete(entry.key);
          this.pump();
        });
    }
  }
}
