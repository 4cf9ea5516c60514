import { Args, Flags } from '@oclif/core';
import type { DeployEntry } from '../domain/deploy-history.js';
import { ApiCommand } from '../cli/api-command.js';
import { formatTable } from '../cli/format.js';

type Entry = DeployEntry & { summary: string };

export default class History extends ApiCommand {
  static override description = 'Show the deploy history of a project, from the config repo\'s git log: when, who, from which version to which, commit and subject.';
  static override examples = ['<%= config.bin %> history site', '<%= config.bin %> history site --limit 20 --json'];
  static override args = { project: Args.string({ required: true, description: 'The project' }) };
  static override flags = { limit: Flags.integer({ min: 1, max: 1000, default: 100, description: 'Read at most this many commits of the project file' }) };

  async run(): Promise<{ project: string; history: Entry[] }> {
    const { args, flags } = await this.parse(History);
    const result = await this.client(flags).get<{ project: string; history: Entry[] }>(`/projects/${encodeURIComponent(args.project)}/history?limit=${flags.limit}`);
    if (result.history.length === 0) {
      this.log(`${args.project} has no deploys in the config repo's history yet`);
      return result;
    }
    const rows = result.history.map((e) => [e.date.replace('T', ' ').slice(0, 16), e.author, e.summary, e.commit.slice(0, 7), e.subject]);
    this.log(formatTable(['when', 'who', 'change', 'commit', 'subject'], rows));
    return result;
  }
}
