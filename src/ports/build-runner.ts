import type { Writable } from 'node:stream';
import type { KubernetesSecretKey } from '../domain/build-secrets.js';
import type { BuildSpec } from '../domain/desired-state.js';

export interface BuildJob {
  project: string;
  version: string;
  commit: string;
  spec: BuildSpec;
  /** The checked-out source. */
  sourceDir: string;
  /** An empty directory that receives the contents of spec.output. */
  outputDir: string;
  log: Writable;
  /** Environment variables from build.secrets, read on the server for this build: never logged or stored. */
  secretEnv?: Record<string, string>;
  /** Environment variables from build.secrets' Kubernetes Secrets: only a Job build can take them (by secretKeyRef). */
  secretKeys?: Record<string, KubernetesSecretKey>;
  signal?: AbortSignal;
}

/** The runner's engine (the Docker Engine, the cluster) did not answer: no fault of the build, retried as soon as it is back. */
export class RunnerUnavailable extends Error {
  readonly unavailable = true;
}

/** Runs one build command in isolation: prepare → start → stream logs → wait → collect → destroy. */
export interface BuildRunner {
  run(job: BuildJob): Promise<void>;
  /** Drops what the runner keeps for a project between builds (its package cache): the project was removed. */
  forgetProject?(project: string): Promise<void>;
}
