// Runs bcrypt compares off the main thread (see password-checker.ts): the event loop that serves
// every site never spends a millisecond on a password.
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

parentPort?.on('message', ({ id, password, hash }: { id: number; password: string; hash: string }) => {
  let ok: boolean;
  try {
    ok = bcrypt.compareSync(password, hash);
  } catch {
    ok = false;
  }
  parentPort?.postMessage({ id, ok });
});
