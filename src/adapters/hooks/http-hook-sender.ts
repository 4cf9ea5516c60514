// One delivery attempt over HTTP: POST the JSON body, signed with the hook's secret (read now, so
// a rotated secret is used at once), with a timeout. Redirects are not followed: a 3xx is a failure.
import { chatBody } from '../../domain/chat-payloads.js';
import { errorMessage } from '../../domain/errors.js';
import type { AttemptResult, DeliveryRecord } from '../../domain/hook-deliveries.js';
import { hookRequestHeaders } from '../../domain/hook-signature.js';
import type { HookSender } from '../../ports/hook-outbox.js';
import { describeSecret, readSecret } from '../secrets/read-secret.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export class HttpHookSender implements HookSender {
  constructor(private readonly timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {}

  async send(record: DeliveryRecord, signal: AbortSignal): Promise<AttemptResult & { aborted?: boolean }> {
    const secret = record.secret ? readSecret(record.secret) : undefined;
    if (record.secret && !secret) return { error: `not sent: the signing secret (${describeSecret(record.secret)}) is not set on the server` };
    // A chat's incoming webhook gets its own format; the X-Opus-* headers come along (signed when there is a secret).
    const body = JSON.stringify(record.format && record.format !== 'opus' ? chatBody(record.format, record.payload) : record.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = secret
      ? hookRequestHeaders({ secret, deliveryId: record.id, event: record.event, body, timestamp })
      : { 'Content-Type': 'application/json', 'X-Opus-Event': record.event, 'X-Opus-Delivery': record.id, 'X-Opus-Timestamp': String(timestamp) };
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await fetch(record.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.any([signal, timeout]) });
      const text = (await readStart(response, 1024)).trim().slice(0, 200);
      if (response.status >= 200 && response.status < 300) return { status: response.status };
      return { status: response.status, error: `answered ${response.status}${text ? `: ${text}` : ''}` };
    } catch (error) {
      if (signal.aborted) return { aborted: true };
      if (timeout.aborted) return { error: `no answer within ${this.timeoutMs / 1000}s` };
      return { error: errorMessage((error as { cause?: unknown }).cause ?? error) };
    }
  }
}

/** The first bytes of the answer (for the delivery's last error); the rest is not read. */
async function readStart(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < max) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(size, max));
}
