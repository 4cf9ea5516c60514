import { Args, Flags } from '@oclif/core';
import { ApiClient, serverFlags } from '../cli/api-client.js';
import { buildPath, followBuildLog } from '../cli/follow-build.js';
import { noteOnInterrupt } from '../cli/interrupt-note.js';
import { configFlag, OpusCommand } from '../cli/opus-command.js';
import type { BuildView } from '../domain/builds.js';
import { UserError } from '../domain/errors.js';
import { resolveConfigDir } from '../runtime/defaults.js';
import type { ProjectStatus } from '../services/project-status.js';
import { liveLine } from '../cli/wait-live.js';

type TriggerResult = { build?: BuildView; status: string; message: string; logPath?: string; versionDir?: string };

export default class Trigger extends OpusCommand {
  static override description = `Build a tag of a project now, deployed or not.
With a server (the default) it asks the server to queue the build; --wait follows its log and fails when the build fails.
With a FILE-STORE path it builds locally in Docker straight into that artifact tree, no server needed (for CI).`;
  static override examples = [
    '<%= config.bin %> trigger site 1.2.0',
    '<%= config.bin %> trigger site latest --wait',
    '<%= config.bin %> trigger site 1.2.0 --force',
    '<%= config.bin %> trigger site 1.2.0 ./artifacts --config ./config',
  ];
  static override enableJsonFlag = true;
  static override args = {
    project: Args.string({ required: true, description: 'The project' }),
    version: Args.string({ required: true, description: 'A tag of its source, or "latest" (newest semver tag, no pre-releases)' }),
    'file-store': Args.string({ description: 'Build locally into this artifact tree instead of asking a server' }),
  };
  static override flags = {
    ...serverFlags,
    config: configFlag,
    wait: Flags.boolean({ default: false, description: 'Follow the build log until the build ends and say where it is served (live, or its preview URL); exit non-zero if it fails (always so with FILE-STORE)' }),
    force: Flags.boolean({ default: false, description: 'Rebuild even when the version is built already (it is replaced whole)' }),
  };

  async run(): Promise<TriggerResult> {
    const { args, flags } = await this.parse(Trigger);
    if (args['file-store']) return this.local(args.project, args.version, args['file-store'], flags.config, flags.force);
    const client = new ApiClient(flags);
    const build = await client.post<BuildView & { message: string; alreadyBuilt?: boolean }>(`/projects/${encodeURIComponent(args.project)}/builds`, { version: args.version, force: flags.force });
    this.log(build.message);
    if (!flags.wait) return { build, status: build.status, message: build.message };
    if (build.alreadyBuilt) {
      const where = await servedAt(client, args.project, build.version);
      this.log(where);
      return { build, status: build.status, message: `${build.message}; ${where}` };
    }
    const note = `stopped following; ${build.id} goes on on the server: opus logs ${args.project} ${build.version} --follow (opus cancel ${args.project} ${build.version} stops it)`;
    const outcome = await noteOnInterrupt(note, () => followBuildLog(client, build.id, (text) => void process.stdout.write(this.jsonEnabled() ? '' : text)));
    if (outcome.status !== 'succeeded') {
      throw new UserError(`${build.id} ${outcome.status}${outcome.error ? `: ${outcome.error}` : ''}`, [`see its log: opus logs ${args.project} ${build.version} (or GET ${client.server}/api/v1${buildPath(build.id)}/log)`], 1);
    }
    this.log(`${build.id} succeeded`);
    const where = await servedAt(client, args.project, build.version);
    this.log(where);
    return { build, status: outcome.status, message: `${build.id} succeeded; ${where}` };
  }

  private async local(project: string, version: string, storeDir: string, config: string | undefined, force: boolean): Promise<TriggerResult> {
    const stop = new AbortController();
    const cancel = () => stop.abort();
    process.once('SIGINT', cancel);
    process.once('SIGTERM', cancel);
    try {
      const { buildLocally } = await import('../runtime/local-build.js'); // when run: see commands/server.ts
      const result = await buildLocally({
        configDir: resolveConfigDir(config),
        storeDir,
        project,
        version,
        force,
        signal: stop.signal,
        onLog: (text) => void (this.jsonEnabled() ? process.stderr : process.stdout).write(text),
      });
      const id = `${project}@${result.version}`;
      if (result.status === 'built') {
        const message = `${id} is built already in ${result.versionDir}; --force rebuilds it`;
        this.log(message);
        return { status: 'built', message, versionDir: result.versionDir };
      }
      if (result.status !== 'succeeded') {
        throw new UserError(`${id} ${result.status}: ${result.record.error ?? 'see the log'}\nlog: ${result.logPath}`, [], 1);
      }
      const message = `${id} built into ${result.versionDir} (${result.record.files} files)\nlog: ${result.logPath}`;
      this.log(message);
      return { status: 'succeeded', message, versionDir: result.versionDir, logPath: result.logPath };
    } finally {
      process.off('SIGINT', cancel);
      process.off('SIGTERM', cancel);
    }
  }
}

/** Where a built version is seen: live at the site's URL once it is the deployed one, else at its preview URL. */
async function servedAt(client: ApiClient, project: string, version: string): Promise<string> {
  for (let tries = 0; ; tries += 1) {
    const status = await client.get<ProjectStatus>(`/projects/${encodeURIComponent(project)}`);
    if (status.live === version) return liveLine(status);
    // The deployed version switches live right after its build: give the server a moment to do it.
    if (status.desired !== version || tries >= 20) return `${project}@${version} is not deployed (${status.live ? `${status.live} is live` : 'nothing is live'}); preview: ${status.urls.previews[version] ?? '-'}`;
    await new Promise((done) => setTimeout(done, 250));
  }
}
