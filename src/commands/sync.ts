import { Args } from '@oclif/core';
import { ApiCommand } from '../cli/api-command.js';
import { liveLine, serverSync, waitFlags, waitLive, type ServerSync } from '../cli/wait-live.js';
import type { ProjectStatus } from '../services/project-status.js';
import { progressWriter } from '../cli/progress-writer.js';

export default class Sync extends ApiCommand {
  static override description = `Ask the server to fetch its config repo and apply it now, instead of at the next sync.interval.
With a project and --wait, follow its build and end with the URL that serves it.`;
  static override examples = ['<%= config.bin %> sync', '<%= config.bin %> sync site --wait', '<%= config.bin %> sync --server https://opus.example.com'];
  static override args = { project: Args.string({ description: 'With --wait: the project to wait for' }) };
  static override flags = { wait: waitFlags.wait };

  async run(): Promise<ServerSync & { project?: ProjectStatus }> {
    const { args, flags } = await this.parse(Sync);
    const client = this.client(flags);
    if (flags.wait && args.project) {
      const write = progressWriter(this.jsonEnabled() ? process.stderr : process.stdout);
      const project = await waitLive(client, { project: args.project, write });
      this.log(liveLine(project));
      return { ...(await client.get<ServerSync>('/sync')), project };
    }
    const report = await serverSync(client);
    this.log(
      [
        `synced ${report.config ?? 'the config repo'} at ${report.commit?.slice(0, 12) ?? '(no commit)'}`,
        ...(report.actions.length ? report.actions.map((a) => `  ${a}`) : ['  nothing to do']),
        ...Object.entries(report.waiting).map(([name, why]) => `  ${name}: ${why}`),
        ...report.problems.map((p) => `  problem: ${p.file}${p.path ? ` ${p.path}` : ''}: ${p.message}`),
        ...(report.error ? [`  error: ${report.error}`] : []),
      ].join('\n'),
    );
    // The report is printed either way; a script still learns from the exit code that the config repo needs a fix.
    if (report.problems.length || report.error) process.exitCode = 1;
    return report;
  }
}
