import type { DesiredState } from '../domain/desired-state.js';
import type { SyncReport } from './sync-service.js';

/**
 * What the last sync read, for the modules that only read it (status, artifacts, triggers,
 * webhooks, hooks, the runner choice): SyncService is one, a test can hand in a plain object.
 */
export interface DesiredStateView {
  /** The desired state of the last sync; undefined before the first one. */
  readonly desiredState: DesiredState | undefined;
  /** The version a project should serve, with `latest` resolved at the last sync. */
  desiredVersion(project: string): string | undefined;
  readonly lastReport: SyncReport | undefined;
}
