import { Args } from '@oclif/core';
import type { PreviewView } from '../domain/previews/preview-view.js';
import { ApiCommand } from '../cli/api-command.js';
import { formatTable } from '../cli/format.js';

interface PreviewList {
  project: string;
  enabled: boolean;
  previews: PreviewView[];
}

export default class Previews extends ApiCommand {
  static override description = 'List the previews of a project: each pull request (pr-<n>) and previewed branch, its newest commit and status, its URL and build log.';
  static override examples = ['<%= config.bin %> previews site', '<%= config.bin %> previews site --json'];
  static override args = { project: Args.string({ required: true, description: 'The project' }) };

  async run(): Promise<PreviewList> {
    const { args, flags } = await this.parse(Previews);
    const result = await this.client(flags).get<PreviewList>(`/projects/${encodeURIComponent(args.project)}/previews`);
    if (result.previews.length === 0) {
      this.log(result.enabled ? `${args.project} has no previews: none of its pull requests or listed branches was built yet` : `${args.project} has no previews: add "previews:" to projects/${args.project}.yaml`);
      return result;
    }
    const rows = result.previews.map((p) => [p.alias, p.kind === 'pr' ? `#${p.number ?? ''}` : (p.branch ?? ''), p.commit.slice(0, 7), p.status + (p.error ? `: ${p.error}` : ''), p.url ?? p.commitUrl ?? '', p.log]);
    this.log(formatTable(['preview', 'of', 'commit', 'status', 'url', 'log'], rows));
    return result;
  }
}
