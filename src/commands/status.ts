import { Args } from '@oclif/core';
import type { ProjectStatus } from '../services/project-status.js';
import { ApiCommand } from '../cli/api-command.js';
import { formatAgo, formatBytes, formatDuration } from '../cli/format.js';

export default class Status extends ApiCommand {
  static override description = `Show one project in full: status and why, live and desired version, last build, URLs of the site and of every built version.
Exits 1 when the project is failed or has a config error, 4 when there is no such project.`;
  static override examples = ['<%= config.bin %> status site', '<%= config.bin %> status site --json'];
  static override args = { project: Args.string({ required: true, description: 'The project' }) };

  async run(): Promise<ProjectStatus> {
    const { args, flags } = await this.parse(Status);
    const project = await this.client(flags).get<ProjectStatus>(`/projects/${encodeURIComponent(args.project)}`);
    if (project.status === 'failed' || project.status === 'config error') this.problemsFound();
    const build = project.lastBuild;
    const lines = [
      `${project.name}: ${project.status}${project.reason ? ` (${project.reason})` : ''}`,
      `  live        ${project.live ?? '-'}`,
      `  desired     ${project.desired ?? '-'}`,
      `  site        ${project.live ? project.urls.site : '- (nothing live)'}`,
      ...project.urls.domains.map((d) => `  domain      ${d}`),
    ];
    if (build) {
      const facts = [build.commit ? `commit ${build.commit.slice(0, 12)}` : '', build.durationMs !== undefined ? `took ${formatDuration(build.durationMs)}` : '', build.files !== undefined ? `${build.files} files, ${formatBytes(build.bytes)}` : '']
        .filter(Boolean)
        .join(', ');
      lines.push(`  last build  ${build.version} ${build.status} ${formatAgo(build.finishedAt ?? build.startedAt)}${facts ? ` (${facts})` : ''}`);
      // The lines of the log that say why, one a line; else the one-line error.
      for (const line of build.cause?.length ? build.cause : build.error ? [build.error] : []) lines.push(`              ${line}`);
    }
    if (project.versions.length > 0) {
      lines.push('  versions');
      for (const version of project.versions) {
        const marks = [version === project.live ? 'live' : '', version === project.desired ? 'desired' : ''].filter(Boolean).join(', ');
        lines.push(`    ${version.padEnd(12)} ${project.urls.previews[version] ?? ''}${marks ? `  (${marks})` : ''}`);
      }
    }
    this.log(lines.join('\n'));
    return project;
  }
}
