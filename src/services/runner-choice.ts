// The build runner opus.yaml asks for (builds.runner), chosen per build, so changing it needs no restart.
import type { BuildRunnerKind } from '../domain/desired-state.js';
import { UserError } from '../domain/errors.js';
import type { BuildJob, BuildRunner } from '../ports/build-runner.js';

export class RunnerChoice implements BuildRunner {
  constructor(
    private readonly wanted: () => BuildRunnerKind | undefined,
    private readonly runners: { docker: BuildRunner; kubernetes?: BuildRunner | undefined },
  ) {}

  async forgetProject(project: string): Promise<void> {
    for (const runner of Object.values(this.runners)) await runner?.forgetProject?.(project);
  }

  run(job: BuildJob): Promise<void> {
    const kind = this.wanted() ?? 'docker';
    const runner = this.runners[kind];
    if (!runner) {
      return Promise.reject(new UserError('opus.yaml asks for builds.runner: kubernetes, but this server does not run in a Kubernetes cluster (no POD_NAMESPACE, POD_IP and OPUS_IMAGE, which `opus install` sets)'));
    }
    return runner.run(job);
  }
}
