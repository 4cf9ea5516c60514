import { Args } from '@oclif/core';
import { OpusCommand } from '../cli/opus-command.js';

export default class BuildTransfer extends OpusCommand {
  static override hidden = true;
  static override description = 'Inside a Kubernetes build pod: fetch the source from, or upload the output to, a one-time URL of the Opus server.';
  static override args = {
    direction: Args.string({ required: true, options: ['get', 'put'], description: 'get <url> <dir>, or put <dir> <url>' }),
    from: Args.string({ required: true }),
    to: Args.string({ required: true }),
  };

  async run(): Promise<void> {
    const { args } = await this.parse(BuildTransfer);
    // Imported when run: every CLI start loads each command module (see commands/server.ts).
    const { downloadInto, uploadFrom } = await import('../runtime/cluster-install.js');
    if (args.direction === 'get') await downloadInto(args.from, args.to);
    else await uploadFrom(args.from, args.to);
    this.log(`opus: ${args.direction === 'get' ? `source in ${args.to}` : `output of ${args.from} uploaded`}`);
  }
}
