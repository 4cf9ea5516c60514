// Follows a build log file as it grows (tail -f), until the build is over and everything it wrote
// has been read, or the reader goes away. Reads are bounded; a log that was started again (shorter
// than what was read) is read again from its start.
import { open, stat } from 'node:fs/promises';
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

export async function followLog(path: string, options: FollowOptions): Promise<void> {
  const { isDone, onText, signal, intervalMs = 200, maxReadBytes = 256 * 1024 } = options;
  let offset = 0;
  let decoder = new StringDecoder('utf8');
  for (;;) {
    if (signal?.aborted) return;
    const done = isDone();
    const size = (await stat(path).catch(() => undefined))?.size ?? 0;
    if (size < offset) {
      offset = 0;
      decoder = new StringDecoder('utf8');
    }
    if (size > offset) {
      const chunk = await readRange(path, offset, Math.min(size - offset, maxReadBytes));
      offset += chunk.length;
      const text = decoder.write(chunk);
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

async function readRange(path: string, position: number, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** Waits ms, or less when the signal aborts (it resolves then: the caller looks at the signal). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}
