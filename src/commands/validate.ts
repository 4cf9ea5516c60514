import { Args } from '@oclif/core';
import { desiredStateOf, formatProblem, type ConfigProblem } from '../domain/desired-state.js';
import { resolveConfigDir } from '../runtime/defaults.js';
import { readConfigDir } from '../runtime/config-repo.js';
import { OpusCommand } from '../cli/opus-command.js';

export default class Validate extends OpusCommand {
  static override description = 'Check a config repo (its working tree) and list every problem, with file, line and path.';
  static override examples = ['<%= config.bin %> validate ./config', '<%= config.bin %> validate --json'];
  static override enableJsonFlag = true;
  static override args = { dir: Args.string({ description: 'The config repo (default: as for the other commands)' }) };

  async run(): Promise<{ valid: boolean; projects: string[]; problems: ConfigProblem[] }> {
    const { args } = await this.parse(Validate);
    const dir = resolveConfigDir(args.dir);
    const state = desiredStateOf(await readConfigDir(dir));
    const result = { valid: state.problems.length === 0, projects: state.projects.map((p) => p.name), problems: state.problems };
    if (this.jsonEnabled()) {
      if (!result.valid) process.exitCode = 1;
      return result;
    }
    if (result.valid) this.log(`${dir}: valid (${result.projects.length} project${result.projects.length === 1 ? '' : 's'})`);
    else this.error(`${dir}: ${state.problems.length} problem${state.problems.length === 1 ? '' : 's'}\n${state.problems.map(formatProblem).join('\n')}`, { exit: 1 });
    return result;
  }
}
