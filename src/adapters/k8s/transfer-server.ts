// One-time URLs through which a build pod fetches its source and hands back its output, so builds
// need neither a shared volume nor the Docker socket. Each URL carries 256 random bits, answers
// once, and expires; it is served by the replica that started the build (its pod IP), on a port
// of its own, apart from the public server.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import type { BuildLimits } from '../../domain/build-limits.js';
import { extractOutput } from '../fs/output-extract.js';

/** Who may use a URL: the build's own pod, by the address a request comes from. */
export type TransferGuard = (remoteAddress: string) => Promise<boolean>;

export interface UploadOptions {
  limits: BuildLimits;
  /** A line for the build log per entry left out. */
  note: (line: string) => void;
}

interface Offer {
  method: 'GET' | 'PUT';
  dir: string;
  timer: NodeJS.Timeout;
  guard?: TransferGuard;
  upload?: UploadOptions;
  settle?: (error?: Error) => void;
}

export interface Upload {
  url: string;
  /** Settles when the output was received whole (or the upload failed). */
  received: Promise<void>;
  revoke(): void;
}

export class TransferServer {
  private readonly offers = new Map<string, Offer>();

  private constructor(
    private readonly server: Server,
    /** The base URL pods use, e.g. http://10.1.2.3:8081 */
    readonly baseUrl: string,
  ) {}

  /** Listens on host:port (0 = any free port); `advertise` turns the port into the URL pods reach. */
  static async start(host: string, port: number, advertise: (port: number) => string): Promise<TransferServer> {
    let self: TransferServer | undefined;
    const server = createServer((req, res) => void self?.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    self = new TransferServer(server, advertise((server.address() as AddressInfo).port).replace(/\/+$/, ''));
    return self;
  }

  /** GET <url> once answers a tar.gz of `dir` (to a client `guard` accepts, when given). */
  offerDownload(dir: string, ttlMs: number, guard?: TransferGuard): { url: string; revoke(): void } {
    const token = this.add({ method: 'GET', dir, ...(guard ? { guard } : {}) }, ttlMs);
    return { url: `${this.baseUrl}/transfer/${token}`, revoke: () => this.drop(token) };
  }

  /** PUT <url> once with a tar.gz extracts it into `dir`, within the limits (see output-extract.ts). */
  acceptUpload(dir: string, ttlMs: number, upload?: UploadOptions, guard?: TransferGuard): Upload {
    let settle: (error?: Error) => void = () => undefined;
    const received = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    received.catch(() => undefined);
    const token = this.add({ method: 'PUT', dir, settle, ...(upload ? { upload } : {}), ...(guard ? { guard } : {}) }, ttlMs);
    return {
      url: `${this.baseUrl}/transfer/${token}`,
      received,
      revoke: () => {
        this.drop(token);
        settle(new Error('the build output never arrived'));
      },
    };
  }

  close(): Promise<void> {
    for (const token of [...this.offers.keys()]) this.drop(token);
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private add(offer: Omit<Offer, 'timer'>, ttlMs: number): string {
    const token = randomBytes(32).toString('base64url');
    const timer = setTimeout(() => this.drop(token), ttlMs);
    timer.unref();
    this.offers.set(token, { ...offer, timer });
    return token;
  }

  private drop(token: string): void {
    const offer = this.offers.get(token);
    if (!offer) return;
    clearTimeout(offer.timer);
    this.offers.delete(token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = /^\/transfer\/([\w-]{43})$/.exec(req.url ?? '')?.[1];
    const offer = token ? this.offers.get(token) : undefined;
    if (!token || !offer || offer.method !== req.method) {
      res.writeHead(404).end();
      return;
    }
    // Anyone who can read the Job knows the URL: only the build's own pod may use it. A refused
    // client does not use the URL up, so it cannot keep the pod from its source.
    if (offer.guard && !(await offer.guard(req.socket.remoteAddress ?? '').catch(() => false))) {
      res.writeHead(403).end();
      return;
    }
    if (this.offers.get(token) !== offer) {
      res.writeHead(404).end();
      return;
    }
    this.drop(token); // once
    try {
      if (offer.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/gzip' });
        await pipeline(tar.c({ gzip: true, cwd: offer.dir, portable: true }, await readdir(offer.dir)), res);
        return;
      }
      await mkdir(offer.dir, { recursive: true });
      if (offer.upload) await extractOutput(req, offer.dir, offer.upload);
      else await pipeline(req, tar.x({ cwd: offer.dir, preserveOwner: false }));
      res.writeHead(204).end();
      offer.settle?.();
    } catch (error) {
      if (!res.headersSent) res.writeHead(400).end();
      else res.destroy();
      offer.settle?.(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
