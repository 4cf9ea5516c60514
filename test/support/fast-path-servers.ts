// The fast path's differential tests: `opus server`'s server (fast path in front of node:http) and
// node:http alone with the same request listener over the same sites, both listening on loopback.
import diagnostics from 'node:diagnostics_channel';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { readSecret } from '../../src/adapters/secrets/read-secret.js';
import { createRequestListener } from '../../src/server/app.js';
import { createOpusServer, type OpusServer } from '../../src/server/opus-server.js';
import { silentLogger } from '../../src/services/logger.js';
import type { SiteTable } from '../../src/services/site-table.js';
import { PATH_STYLE_ORIGINS } from './site-server.js';

export interface ServerPair {
  opus: OpusServer;
  opusPort: number;
  /** node:http alone: the reference for every answer. */
  alonePort: number;
}

/** Both servers, secrets from the environment; closed after the test. */
export async function opusAndNodeAlone(t: TestContext, store: FsArtifactStore, sites: SiteTable): Promise<ServerPair> {
  const deps = { sites, store, logger: silentLogger, secrets: readSecret, origins: PATH_STYLE_ORIGINS };
  const opus = createOpusServer(deps);
  t.after(() => opus.close(0));
  const opusPort = (await opus.listen(0, '127.0.0.1')).port;
  const alone = createServer(createRequestListener(deps));
  await new Promise<void>((resolve) => alone.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    alone.closeAllConnections();
    alone.close();
  });
  return { opus, opusPort, alonePort: (alone.address() as AddressInfo).port };
}

/** How many requests node:http itself parsed and handed to a request listener, from now on. */
export function nodeHttpRequests(t: TestContext): { readonly count: number } {
  const seen = { count: 0 };
  const listener = () => void (seen.count += 1);
  diagnostics.subscribe('http.server.request.start', listener);
  t.after(() => diagnostics.unsubscribe('http.server.request.start', listener));
  return seen;
}

/**
 * Whether a server in this process is answering a request now (node:http parsed it, its response is
 * not over): silence from a server means "no answer" only while this says false.
 */
export function inFlightRequests(t: TestContext): () => boolean {
  const open = new Set<ServerResponse>();
  const listener = (message: unknown) => {
    const { response } = message as { response: ServerResponse };
    open.add(response);
    response.once('close', () => open.delete(response));
  };
  diagnostics.subscribe('http.server.request.start', listener);
  t.after(() => diagnostics.unsubscribe('http.server.request.start', listener));
  return () => open.size > 0;
}
