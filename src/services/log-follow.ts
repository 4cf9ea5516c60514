// Follows a build log as it grows (tail -f), until the build is over and everything it wrote has
// been read, or the reader goes away. Reads are bounded; a log that was started again (shorter
// than what was read) is read again from its start.
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as wait } from 'node:timers/promises';

export interface FollowOptions {
  /** True once the build is over (its log is then complete). */
  isDone: () => boolean;
  onText: (text: string) => void | Promise<void>;
  signal?: AbortSignal;
  intervalMs?: number;
  maxReadBytes?: number;
}

/** Bytes of a log from an offset (at most maxBytes) and its size now: BuildLogs.readLog of one build. */
export type LogReader = (offset: number, maxBytes: number) => Promise<{ bytes: Buffer; size: number } | undefined>;

export async function followLog(read: LogReader, options: FollowOptions): Promise<void> {
  const { isDone, onText, signal, intervalMs = 200, maxReadBytes = 256 * 1024 } = options;
  let offset = 0;
  let decoder = new StringDecoder('utf8');
  for (;;) {
    if (signal?.aborted) return;
    const done = isDone();
    const got = await read(offset, maxReadBytes).catch(() => undefined);
    const size = got?.size ?? 0;
    if (size < offset) {
      offset = 0;
      decoder = new StringDecoder('utf8');
      continue;
    }
    if (got && got.bytes.length > 0) {
      offset += got.bytes.length;
      const text = decoder.write(got.bytes);
      if (text) await onText(text);
      continue;
    }
    if (done) {
      const rest = decoder.end();
      if (rest) await onText(rest);
      return;
    }
    await sleep(intervalMs, signal);
  }
}

/** Waits ms, or less when the signal aborts (it resolves then: the caller looks at the signal). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}
