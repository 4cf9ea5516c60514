// The build pod's side of the one-time URLs (`opus build-transfer`, run by the Opus image in the pod).
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { UserError } from '../../domain/errors.js';

/**
 * The server checks that a request comes from this pod's IP, as the API reports it; the API can
 * report it a moment after the pod's first container starts, so a 403 is tried again for a while.
 */
async function asThisPod(send: () => Promise<Response>, tries = 15): Promise<Response> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await send();
    if (response.status !== 403 || attempt >= tries) return response;
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export async function downloadInto(url: string, dir: string): Promise<void> {
  const response = await asThisPod(() => fetch(url));
  if (!response.ok || !response.body) throw new UserError(`fetching the source failed: HTTP ${response.status}`, [], 1);
  await mkdir(dir, { recursive: true });
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), tar.x({ cwd: dir, preserveOwner: false }));
}

export async function uploadFrom(dir: string, url: string): Promise<void> {
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) throw new UserError(`the build wrote no ${dir} directory: check build.output`, [], 2);
  const entries = await readdir(dir);
  const response = await asThisPod(() => {
    const body = Readable.toWeb(Readable.from(tar.c({ gzip: true, cwd: dir, portable: true }, entries)));
    return fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/gzip' }, duplex: 'half' });
  });
  if (!response.ok) throw new UserError(`uploading the output failed: HTTP ${response.status}`, [], 1);
}
