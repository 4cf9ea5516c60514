// A restart answers at once, whatever the history on disk: what a killed server left (checkouts,
// staging, versions renamed aside, orphan archives and contents) was only set aside before serving,
// and is deleted here, once, in the background after the server listens. Stopping the server cuts
// the sweep short between steps; the next start sweeps what is left.
import { join } from 'node:path';
import { Leftovers } from '../adapters/fs/leftovers.js';
import { errorMessage } from '../domain/errors.js';
import type { Logger } from '../services/logger.js';
import type { SweepCounts } from './artifact-stores.js';

export interface RestartSweep {
  /** Starts the sweep (once). */
  start(): void;
  /** Stops it at the next step and waits for it: nothing of it runs after this. */
  stop(): Promise<void>;
}

/** The data dir's own leftovers: its build checkouts, set aside now; the store's were set aside when it opened. */
export async function setAsideCheckouts(dataDir: string, checkouts: string): Promise<Leftovers> {
  const leftovers = new Leftovers(join(dataDir, 'state', 'leftovers', 'checkouts'));
  await leftovers.setAside([checkouts]);
  return leftovers;
}

export function restartSweep(checkouts: Leftovers, store: (signal: AbortSignal) => Promise<SweepCounts>, logger: Logger): RestartSweep {
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  const sweep = async () => {
    const started = Date.now();
    const counts = { checkouts: await checkouts.sweep(), ...(abort.signal.aborted ? {} : await store(abort.signal)) };
    if (abort.signal.aborted) return;
    if (Object.values(counts).some((n) => n > 0)) logger.info('swept what a stopped server left', { ...counts, ms: Date.now() - started });
  };
  return {
    start() {
      running ??= sweep().catch((error: unknown) => logger.warn('cannot sweep what a stopped server left (the next start tries again)', { error: errorMessage(error) }));
    },
    async stop() {
      abort.abort();
      await running;
    },
  };
}
