import { Args, Flags } from '@oclif/core';
import { ApiClient, serverFlags } from '../cli/api-client.js';
import { buildPath, followBuildLog } from '../cli/follow-build.js';
import { OpusCommand } from '../cli/opus-command.js';
import type { BuildView } from '../domain/builds.js';
import { UserError } from '../domain/errors.js';

export default class Logs extends OpusCommand {
  static override description = 'Print the log of a build of a project (by default its latest build); --follow streams it live until the build ends.';
  static override examples = ['<%= config.bin %> logs site', '<%= config.bin %> logs site 1.2.0 --follow'];
  static override args = {
    project: Args.string({ required: true, description: 'The project' }),
    version: Args.string({ description: 'The version (default: the project\'s latest build)' }),
  };
  static override flags = {
    ...serverFlags,
    follow: Flags.boolean({ char: 'f', default: false, description: 'Keep streaming the log while the build runs' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Logs);
    const client = new ApiClient(flags);
    const id = args.version ? `${args.project}@${args.version}` : await latestBuild(client, args.project);
    if (!flags.follow) {
      process.stdout.write(await (await client.fetch(`${buildPath(id)}/log?follow=0`)).text());
      return;
    }
    const outcome = await followBuildLog(client, id, (text) => void process.stdout.write(text));
    process.stderr.write(`${id} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}\n`);
  }
}

async function latestBuild(client: ApiClient, project: string): Promise<string> {
  const { builds } = await client.get<{ builds: BuildView[] }>(`/builds?project=${encodeURIComponent(project)}&limit=1`);
  const [latest] = builds;
  if (!latest) throw new UserError(`no build of "${project}" yet`, [`start one: opus trigger ${project} latest`], 4);
  return latest.id;
}
