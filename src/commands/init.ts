import { Args } from '@oclif/core';
import { initConfigRepo } from '../runtime/config-repo.js';
import { resolveConfigDir } from '../runtime/defaults.js';
import { initialFiles } from '../services/config-edits.js';
import { OpusCommand } from '../cli/opus-command.js';

export default class Init extends OpusCommand {
  static override description = 'Create a new config repo: opus.yaml, projects/, JSON Schemas for editors, and a first commit.';
  static override examples = ['<%= config.bin %> init ./config', 'cd config && git remote add origin git@example.com:acme/opus-config.git && git push -u origin main'];
  static override enableJsonFlag = true;
  static override args = { dir: Args.string({ description: 'Where to create it (default: the embedded config repo in the data dir)' }) };

  async run(): Promise<{ dir: string }> {
    const { args } = await this.parse(Init);
    const dir = await initConfigRepo(resolveConfigDir(args.dir), initialFiles());
    this.log(`created the config repo ${dir}\nnext: opus add <name> <git url> --image node:20 --command "npm ci && npm run build" --output dist`);
    return { dir };
  }
}
