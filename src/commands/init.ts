import { Args } from '@oclif/core';
import { enclosingWorkTree, initConfigRepo } from '../runtime/config-repo.js';
import { join, resolve } from 'node:path';
import { defaultDataDir, resolveConfigDir } from '../runtime/defaults.js';
import { initialFiles } from '../services/config-edits.js';
import { OpusCommand } from '../cli/opus-command.js';
import { UserError } from '../domain/errors.js';

export default class Init extends OpusCommand {
  static override description = 'Create a new config repo: opus.yaml, projects/, JSON Schemas for editors, and a first commit.';
  static override examples = ['<%= config.bin %> init ~/opus-config', 'cd config && git remote add origin git@example.com:acme/opus-config.git && git push -u origin main'];
  static override enableJsonFlag = true;
  static override args = { dir: Args.string({ description: 'Where to create it (default: the embedded config repo in the data dir)' }) };

  async run(): Promise<{ dir: string }> {
    const { args } = await this.parse(Init);
    const dir = resolveConfigDir(args.dir);
    const enclosing = await enclosingWorkTree(dir);
    if (enclosing) {
      throw new UserError(`${dir} is inside the git work tree ${enclosing}: a config repo there would be nested in that repository and leave it with untracked files`, [
        `choose a directory outside it, e.g. opus init ~/opus-config`,
        'or use the embedded config repo that opus server (npm start) makes: opus init with no directory, or nothing at all',
      ]);
    }
    const created = await initConfigRepo(dir, initialFiles());
    // The other commands edit this repo only when told so (or run inside it): say how, else the next `opus add` lands in the embedded one.
    const told = process.env.OPUS_CONFIG !== undefined && resolve(process.env.OPUS_CONFIG) === created;
    const pointAt = told || created === join(defaultDataDir(), 'config') ? '' : `\nthe CLI edits it when run inside it, or with: export OPUS_CONFIG=${created} (or --config)\nthe server reads it with: opus server --config ${created}`;
    this.log(`created the config repo ${created}${pointAt}\nnext: opus add <name> <git url> --image node:20 --command "npm ci && npm run build" --output dist`);
    return { dir: created };
  }
}
