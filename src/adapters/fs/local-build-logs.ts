// Build logs as files in a local directory (<dir>/<project>/<version>.log): both stores keep the
// log of a running build on the machine that runs it.
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { BuildLogs } from '../../ports/build-records.js';

export class LocalBuildLogs implements BuildLogs {
  constructor(private readonly dir: string) {}

  path(project: string, version: string): string {
    return join(this.dir, project, `${version}.log`);
  }

  async createLog(project: string, version: string): Promise<Writable> {
    const path = this.path(project, version);
    await mkdir(dirname(path), { recursive: true });
    return createWriteStream(path);
  }

  async removeLog(project: string, version: string): Promise<void> {
    await rm(this.path(project, version), { force: true });
  }

  async readLog(project: string, version: string, offset = 0, maxBytes = Number.MAX_SAFE_INTEGER): Promise<{ bytes: Buffer; size: number } | undefined> {
    const file = await open(this.path(project, version), 'r').catch(() => undefined);
    if (!file) return undefined;
    try {
      const { size } = await file.stat();
      const length = Math.max(0, Math.min(size - offset, maxBytes));
      if (length === 0) return { bytes: Buffer.alloc(0), size };
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      return { bytes: buffer.subarray(0, bytesRead), size };
    } finally {
      await file.close();
    }
  }
}
