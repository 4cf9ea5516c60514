// Following a build's log from a server: Server-Sent Events while it runs, plain text once it is over.
import { SseParser } from '../domain/sse.js';
import type { ApiClient } from './api-client.js';

export interface FollowResult {
  status: string;
  error?: string;
}

export function buildPath(id: string): string {
  return `/builds/${encodeURIComponent(id)}`;
}

/** Writes the log as it comes; resolves with the build's final status. */
export async function followBuildLog(client: ApiClient, id: string, write: (text: string) => void): Promise<FollowResult> {
  const response = await client.fetch(`${buildPath(id)}/log`, { headers: { Accept: 'text/event-stream' } });
  if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    write(await response.text());
    return finalStatus(client, id);
  }
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  for (;;) {
    const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
    if (chunk.done) break;
    for (const event of parser.push(decoder.decode(chunk.value, { stream: true }))) {
      if (event.event === 'end') {
        await reader?.cancel().catch(() => undefined);
        return JSON.parse(event.data) as FollowResult;
      }
      write(`${event.data}\n`);
    }
  }
  // The stream ended without its end event (the server went away): ask what became of the build.
  return finalStatus(client, id);
}

async function finalStatus(client: ApiClient, id: string): Promise<FollowResult> {
  const build = await client.get<{ status: string; error?: string }>(buildPath(id));
  return { status: build.status, ...(build.error ? { error: build.error } : {}) };
}
