import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { Args, Flags } from '@oclif/core';
import { ApiCommand } from '../../cli/api-command.js';
import { formatBytes } from '../../cli/format.js';

export default class Download extends ApiCommand {
  static override description = 'Save the archive (tar.gz) of a built version: the exact files the server serves for it.';
  static override examples = [
    '<%= config.bin %> artifacts download site 1.1.0',
    '<%= config.bin %> artifacts download site 1.1.0 -o site.tar.gz',
    '<%= config.bin %> artifacts download site 1.1.0 -o - | tar -tz',
  ];
  static override args = {
    project: Args.string({ required: true, description: 'The project' }),
    version: Args.string({ required: true, description: 'A built version (see opus artifacts <project>)' }),
  };
  static override flags = { output: Flags.string({ char: 'o', description: 'Where to save it ("-" for standard output; default: <project>-<version>.tar.gz)' }) };

  async run(): Promise<{ project: string; version: string; file: string; bytes: number }> {
    const { args, flags } = await this.parse(Download);
    const path = `/projects/${encodeURIComponent(args.project)}/artifacts/${encodeURIComponent(args.version)}/archive`;
    const response = await this.client(flags).fetch(path);
    const body = Readable.fromWeb(response.body as ReadableStream<Uint8Array>);
    if (flags.output === '-') {
      let bytes = 0;
      body.on('data', (chunk: Buffer) => (bytes += chunk.length));
      await pipeline(body, process.stdout);
      return { project: args.project, version: args.version, file: '-', bytes };
    }
    const file = resolve(flags.output ?? `${args.project}-${args.version}.tar.gz`);
    const partial = `${file}.part`;
    try {
      await pipeline(body, createWriteStream(partial));
      await rename(partial, file);
    } finally {
      await rm(partial, { force: true });
    }
    const { size } = await stat(file);
    this.log(`saved ${args.project}@${args.version} to ${file} (${formatBytes(size)})`);
    return { project: args.project, version: args.version, file, bytes: size };
  }
}
