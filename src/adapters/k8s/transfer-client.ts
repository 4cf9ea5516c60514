// The build pod's side of the one-time URLs (`opus build-transfer`, run by the Opus image in the pod).
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { UserError } from '../../domain/errors.js';

export async function downloadInto(url: string, dir: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new UserError(`fetching the source failed: HTTP ${response.status}`, [], 1);
  await mkdir(dir, { recursive: true });
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), tar.x({ cwd: dir, preserveOwner: false }));
}

export async function uploadFrom(dir: string, url: string): Promise<void> {
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) throw new UserError(`the build wrote no ${dir} directory: check build.output`, [], 2);
  const body = Readable.toWeb(Readable.from(tar.c({ gzip: true, cwd: dir, portable: true }, await readdir(dir))));
  const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/gzip' }, duplex: 'half' });
  if (!response.ok) throw new UserError(`uploading the output failed: HTTP ${response.status}`, [], 1);
}
