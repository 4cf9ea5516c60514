import { Args } from '@oclif/core';
import { ApiClient, serverFlags } from '../cli/api-client.js';
import { buildPath } from '../cli/follow-build.js';
import { OpusCommand } from '../cli/opus-command.js';
import type { BuildView } from '../domain/builds.js';

export default class Cancel extends OpusCommand {
  static override description = 'Cancel a queued build (it never runs) or a running one (its container is killed); it is recorded as cancelled.';
  static override examples = ['<%= config.bin %> cancel site 1.2.0'];
  static override enableJsonFlag = true;
  static override args = {
    project: Args.string({ required: true, description: 'The project' }),
    version: Args.string({ required: true, description: 'The version being built' }),
  };
  static override flags = { ...serverFlags };

  async run(): Promise<BuildView & { message?: string }> {
    const { args, flags } = await this.parse(Cancel);
    const result = await new ApiClient(flags).delete<BuildView & { message?: string }>(buildPath(`${args.project}@${args.version}`));
    this.log(result.message ?? `${args.project}@${args.version} ${result.status}`);
    return result;
  }
}
