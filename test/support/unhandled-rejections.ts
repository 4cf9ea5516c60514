// The unhandled rejections while a test runs: each one would end an `opus server` process.
import type { TestContext } from 'node:test';

export function unhandledRejections(t: Pick<TestContext, 'after'>): unknown[] {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => void seen.push(reason);
  process.on('unhandledRejection', listener);
  t.after(() => void process.off('unhandledRejection', listener));
  return seen;
}
