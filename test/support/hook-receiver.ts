// A real HTTP receiver of Opus hooks on 127.0.0.1 that checks every request the way the README
// tells receivers to (its own HMAC code, not Opus's), and can be down, failing or hanging.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HookPayload } from '../../src/domain/hooks.js';

export interface Received {
  delivery: string;
  event: string;
  timestamp: number;
  body: HookPayload;
  /** What the receiver answered. */
  status: number;
}

/** up: 204; fail: 503; hang: never answers. */
export type ReceiverMode = 'up' | 'fail' | 'hang';

export class HookReceiver {
  /** Every request that came, in arrival order, whatever was answered. */
  readonly requests: Received[] = [];
  /** Headers of requests whose signature or timestamp did not check out (there should be none). */
  readonly rejected: string[] = [];
  mode: ReceiverMode = 'up';
  private server: Server | undefined;
  private port = 0;
  private readonly hanging = new Set<ServerResponse>();

  /** Without a secret it stands for a chat's incoming webhook (Slack, Discord): nothing to verify, it answers 200 "ok" as Slack does. */
  constructor(private readonly secret: string | undefined) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/opus-hook`;
  }

  /** Requests answered 2xx, in order. */
  get accepted(): Received[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Listens (again, on the same port after down()). */
  async up(mode: ReceiverMode = 'up'): Promise<void> {
    this.mode = mode;
    if (this.server) return;
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening: connections are refused until up(). */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (this.secret !== undefined && !verify(this.secret, raw, req.headers)) {
      this.rejected.push(JSON.stringify(req.headers));
      return void res.writeHead(401).end('bad signature');
    }
    const status = this.mode === 'up' ? (this.secret === undefined ? 200 : 204) : this.mode === 'fail' ? 503 : 0;
    this.requests.push({
      delivery: String(req.headers['x-opus-delivery']),
      event: String(req.headers['x-opus-event']),
      timestamp: Number(req.headers['x-opus-timestamp']),
      body: JSON.parse(raw) as HookPayload,
      status,
    });
    if (status === 0) return void this.hanging.add(res);
    res.writeHead(status).end(status === 503 ? 'try later' : status === 200 ? 'ok' : undefined);
  }
}

/** The README's verification snippet, as a receiver would write it. */
function verify(secret: string, rawBody: string, headers: IncomingMessage['headers']): boolean {
  const timestamp = String(headers['x-opus-timestamp'] ?? '');
  const signature = String(headers['x-opus-signature-256'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}
