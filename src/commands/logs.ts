import { Args, Flags } from '@oclif/core';
import { ApiClient, serverFlags } from '../cli/api-client.js';
import { buildPath, followBuildLog } from '../cli/follow-build.js';
import { OpusCommand } from '../cli/opus-command.js';
import type { BuildView } from '../domain/builds.js';
import { UserError } from '../domain/errors.js';

type LogsResult = BuildView & { log: string };

export default class Logs extends OpusCommand {
  static override description = `Print the log of a build of a project (by default its latest build); --follow streams it live until the build ends.
With --follow it exits 1 when the build did not succeed. --json gives the build and its log as one object.`;
  static override examples = ['<%= config.bin %> logs site', '<%= config.bin %> logs site 1.2.0 --follow', '<%= config.bin %> logs site --json'];
  static override enableJsonFlag = true;
  static override args = {
    project: Args.string({ required: true, description: 'The project' }),
    version: Args.string({ description: 'The version (default: the project\'s latest build)' }),
  };
  static override flags = {
    ...serverFlags,
    follow: Flags.boolean({ char: 'f', default: false, description: 'Keep streaming the log while the build runs' }),
  };

  async run(): Promise<LogsResult | undefined> {
    const { args, flags } = await this.parse(Logs);
    const client = new ApiClient(flags);
    const id = args.version ? `${args.project}@${args.version}` : await latestBuild(client, args.project);
    if (this.jsonEnabled()) {
      const log = await (await client.fetch(`${buildPath(id)}/log?follow=0`)).text();
      return { ...(await client.get<BuildView>(buildPath(id))), log };
    }
    if (!flags.follow) {
      process.stdout.write(await (await client.fetch(`${buildPath(id)}/log?follow=0`)).text());
      return undefined;
    }
    const outcome = await followBuildLog(client, id, (text) => void process.stdout.write(text));
    if (outcome.status !== 'succeeded') throw new UserError(`${id} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`, [], 1);
    process.stderr.write(`${id} ${outcome.status}\n`);
    return undefined;
  }
}

async function latestBuild(client: ApiClient, project: string): Promise<string> {
  const { builds } = await client.get<{ builds: BuildView[] }>(`/builds?project=${encodeURIComponent(project)}&limit=1`);
  const [latest] = builds;
  if (!latest) throw new UserError(`no build of "${project}" yet`, [`start one: opus trigger ${project} latest`], 4);
  return latest.id;
}
