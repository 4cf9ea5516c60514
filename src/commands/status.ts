import { Args } from '@oclif/core';
import type { CertificateStatus } from '../services/certificates/certificate-manager.js';
import type { ProjectStatus } from '../services/project-status.js';
import { ApiCommand } from '../cli/api-command.js';
import { formatAgo, formatBytes, formatDuration } from '../cli/format.js';

export default class Status extends ApiCommand {
  static override description = `Show one project in full: status and why, live and desired version, last build, URLs of the site and of every built version.
Exits 1 when the project is failed, has a config error or could not be synced, 4 when there is no such project.`;
  static override examples = ['<%= config.bin %> status site', '<%= config.bin %> status site --json'];
  static override args = { project: Args.string({ required: true, description: 'The project' }) };

  async run(): Promise<ProjectStatus> {
    const { args, flags } = await this.parse(Status);
    const client = this.client(flags);
    const project = await client.get<ProjectStatus>(`/projects/${encodeURIComponent(args.project)}`);
    // A server without HTTPS (or an older one) has no certificates to show.
    const tls = await client.get<{ https: boolean; certificates: CertificateStatus[] }>('/certificates').catch(() => undefined);
    if (project.status === 'failed' || project.status === 'config error' || project.status === 'sync failed') this.problemsFound();
    const build = project.lastBuild;
    const lines = [
      `${project.name}: ${project.status}${project.reason ? ` (${project.reason})` : ''}`,
      `  live        ${project.live ?? '-'}`,
      `  desired     ${project.desired ?? '-'}`,
      `  site        ${project.live ? project.urls.site : '- (nothing live)'}`,
      ...project.urls.domains.map((d) => `  domain      ${d}${tls?.https ? certificateNote(new URL(d).hostname, tls.certificates) : ''}`),
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

/** "(certificate until …)", and a failing renewal with its next attempt. */
function certificateNote(host: string, certificates: CertificateStatus[]): string {
  const wildcard = `*${host.slice(host.indexOf('.'))}`;
  const cert = certificates.find((c) => c.name === host && c.notAfter) ?? certificates.find((c) => c.name === wildcard) ?? certificates.find((c) => c.name === host);
  if (!cert) return '  (no certificate yet)';
  const until = cert.notAfter ? `certificate until ${cert.notAfter.slice(0, 10)}${cert.source === 'files' ? ', own file' : ''}` : 'no certificate';
  return `  (${until}${cert.error ? `; renewal FAILED: ${cert.error}, next attempt ${cert.nextAttemptAt ?? 'soon'}` : ''})`;
}
