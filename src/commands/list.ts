import { Args } from '@oclif/core';
import { projectFilter } from '../domain/project-filter.js';
import type { ProjectStatus } from '../services/project-status.js';
import { ApiCommand } from '../cli/api-command.js';
import { formatAgo, formatTable } from '../cli/format.js';

const PROBLEMS = new Set(['failed', 'config error', 'sync failed']);

export default class List extends ApiCommand {
  static override description = `List the projects of an Opus server: live and desired version, status, last build, URL.
Exits 1 when a listed project is failed, has a config error or could not be synced, so scripts can alert on it.`;
  static override examples = [
    '<%= config.bin %> list',
    '<%= config.bin %> list "web-*"',
    '<%= config.bin %> list failed,out-of-sync',
    '<%= config.bin %> list --json --server https://opus.example.com',
  ];
  static override args = {
    filter: Args.string({ description: 'Project names (globs such as web-*) or statuses (synced, building, failed, config-error, out-of-sync, not-deployed, sync-failed); comma-separated' }),
  };

  async run(): Promise<{ projects: ProjectStatus[] }> {
    const { args, flags } = await this.parse(List);
    const { projects: all } = await this.client(flags).get<{ projects: ProjectStatus[] }>('/projects');
    const projects = all.filter(projectFilter(args.filter));
    if (projects.some((p) => PROBLEMS.has(p.status))) this.problemsFound();
    if (projects.length === 0) {
      this.log(args.filter ? `no project matches "${args.filter}" (${all.length} project${all.length === 1 ? '' : 's'} in all)` : 'no projects yet: add one with opus add <name> <source> …');
      return { projects };
    }
    const rows = projects.map((p) => [
      p.name,
      p.live ?? '-',
      p.desired ?? '-',
      p.status,
      p.lastBuild ? `${p.lastBuild.version} ${p.lastBuild.status} ${formatAgo(p.lastBuild.finishedAt ?? p.lastBuild.startedAt)}` : '-',
      p.live ? p.urls.site : '-',
    ]);
    this.log(formatTable(['name', 'live', 'desired', 'status', 'last build', 'url'], rows));
    const troubled = projects.filter((p) => p.reason && p.status !== 'synced');
    if (troubled.length > 0) this.log(`\n${troubled.map((p) => `${p.name}: ${p.reason}`).join('\n')}`);
    return { projects };
  }
}
