import { Args, Flags } from '@oclif/core';
import type { Network } from '../domain/desired-state.js';
import { UserError } from '../domain/errors.js';
import type { EditResult } from '../services/config-edits.js';
import { EditCommand } from '../cli/edit-command.js';
import { configFlag, pushFlag } from '../cli/opus-command.js';
import { prFlags } from '../cli/pr-flags.js';
import { waitFlags } from '../cli/wait-live.js';

export default class Add extends EditCommand {
  static override description = 'Add a project: writes projects/<name>.yaml and commits it. The source must be reachable.';
  static override examples = [
    '<%= config.bin %> add site https://git.example.com/acme/site.git --image node:20 --command "npm ci && npm run build" --output dist',
    '<%= config.bin %> add docs ../docs --image node:20 --command "npm ci && npm run build" --network host --deploy latest --domain docs.example.com',
    '<%= config.bin %> add blog https://github.com/acme/blog.git --image node:20 --command "npm ci && npm run build" --deploy 1.0.0 --pr',
  ];
  static override args = {
    name: Args.string({ required: true, description: 'Project name: lowercase letters, digits and hyphens' }),
    source: Args.string({ required: true, description: 'Git URL or local path of the app' }),
  };
  static override flags = {
    config: configFlag,
    push: pushFlag,
    ...prFlags,
    ...waitFlags,
    image: Flags.string({ required: true, description: 'Docker image the build runs in' }),
    command: Flags.string({ required: true, description: 'Shell command that builds the app' }),
    output: Flags.string({ default: 'dist', description: 'Directory the build writes the site to' }),
    deploy: Flags.string({ description: 'Deploy this tag (or "latest") right away' }),
    domain: Flags.string({ multiple: true, description: 'A host name to serve the project on (repeatable)' }),
    network: Flags.string({ options: ['default', 'host', 'none'], description: 'Docker network of the build ("host" to reach a package registry through the host)' }),
    env: Flags.string({ multiple: true, description: 'A build environment variable, NAME=value (repeatable; no secrets: it goes into git)' }),
  };

  async run(): Promise<EditResult> {
    const { args, flags } = await this.parse(Add);
    this.checkWait(flags);
    if (flags.wait && !flags.deploy) throw new UserError('--wait needs --deploy <tag>: a project with no deploy: version has nothing to go live', [], 2);
    const edits = await this.edits(flags.config, flags.push, flags);
    const result = this.report(
      await edits.add({
        name: args.name,
        source: args.source,
        image: flags.image,
        command: flags.command,
        output: flags.output,
        ...(flags.deploy ? { deploy: flags.deploy } : {}),
        ...(flags.domain ? { domains: flags.domain } : {}),
        ...(flags.network ? { network: flags.network as Network } : {}),
        ...(flags.env ? { env: parseEnv(flags.env) } : {}),
      }),
    );
    return this.waitIfAsked(result, args.name, flags);
  }
}

function parseEnv(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const index = pair.indexOf('=');
      if (index <= 0) throw new UserError(`--env takes NAME=value, not "${pair}"`);
      return [pair.slice(0, index), pair.slice(index + 1)];
    }),
  );
}
