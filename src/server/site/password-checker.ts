// bcrypt compares in one worker thread, one after another, with a bounded queue: a flood of
// guesses costs the worker time (and waits of its own, see FailureBackoff), never the event loop.
// The worker is started on the first check and keeps the process alive only while a check is pending.
import { Worker } from 'node:worker_threads';

const MAX_QUEUED = 256;

export class PasswordChecker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, (ok: boolean) => void>();
  private nextId = 0;

  /** False too when the queue is full: the caller answers 401 and the client may try again. */
  compare(password: string, hash: string): Promise<boolean> {
    if (this.pending.size >= MAX_QUEUED) return Promise.resolve(false);
    const worker = this.started();
    const id = (this.nextId += 1);
    // Held while a check is pending (so its caller gets an answer), let go when idle.
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, password, hash });
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./bcrypt-worker.js', import.meta.url));
    worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
      this.pending.get(id)?.(ok);
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
    });
    // A worker that dies fails what it had; the next check starts another.
    const fail = () => {
      for (const done of this.pending.values()) done(false);
      this.pending.clear();
      this.worker = undefined;
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    this.worker = worker;
    return worker;
  }
}

/** One for the process: site auth and the API's checks of site credentials share it. */
export const passwordChecker = new PasswordChecker();
