import { Args } from '@oclif/core';
import type { ArtifactInfo } from '../../services/artifacts.js';
import { ApiCommand } from '../../cli/api-command.js';
import { formatAgo, formatBytes, formatDuration, formatTable } from '../../cli/format.js';

export default class Artifacts extends ApiCommand {
  static override description = `List the built versions of a project: commit, size, files, build time, when built, whether live, preview URL.
Download one with "opus artifacts download", remove one with "opus artifacts remove".`;
  static override examples = ['<%= config.bin %> artifacts site', '<%= config.bin %> artifacts site --json'];
  static override args = { project: Args.string({ required: true, description: 'The project' }) };

  async run(): Promise<{ project: string; artifacts: ArtifactInfo[] }> {
    const { args, flags } = await this.parse(Artifacts);
    const result = await this.client(flags).get<{ project: string; artifacts: ArtifactInfo[] }>(`/projects/${encodeURIComponent(args.project)}/artifacts`);
    if (result.artifacts.length === 0) {
      this.log(`${args.project} has no built versions yet`);
      return result;
    }
    const rows = result.artifacts.map((a) => [
      a.version,
      [a.live ? 'live' : '', a.desired ? 'desired' : ''].filter(Boolean).join(',') || '-',
      a.commit?.slice(0, 12) ?? '-',
      formatBytes(a.bytes),
      a.files === undefined ? '-' : String(a.files),
      formatDuration(a.durationMs),
      formatAgo(a.builtAt),
      a.previewUrl ?? '-',
    ]);
    this.log(formatTable(['version', 'state', 'commit', 'size', 'files', 'build time', 'built', 'preview'], rows));
    return result;
  }
}
