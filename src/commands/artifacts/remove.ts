import { Args } from '@oclif/core';
import { ApiCommand } from '../../cli/api-command.js';

export default class Remove extends ApiCommand {
  static override description = `Remove a built version from the server (its directory and archive).
Refused for the live version and for the one the config repo deploys: deploy another version first.`;
  static override examples = ['<%= config.bin %> artifacts remove site 1.0.0'];
  static override args = {
    project: Args.string({ required: true, description: 'The project' }),
    version: Args.string({ required: true, description: 'A built version that is not live' }),
  };

  async run(): Promise<{ project: string; version: string; removed: boolean }> {
    const { args, flags } = await this.parse(Remove);
    const result = await this.client(flags).delete<{ project: string; version: string; removed: boolean }>(
      `/projects/${encodeURIComponent(args.project)}/artifacts/${encodeURIComponent(args.version)}`,
    );
    this.log(`removed ${args.project}@${args.version}`);
    return result;
  }
}
