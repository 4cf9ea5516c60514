// /api/v1 changes to the config repo, for the dashboard: deploy a version and roll back, each as
// the same commit (or, with "pr": true, the same pull request) `opus deploy` / `opus rollback`
// makes, through the same ConfigEdits, to the config repo the server syncs (on its machine, or at a
// git URL through the server's own clone). Behind the API credential like every change.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { PushRejectedError, UserError } from '../../domain/errors.js';
import { redactText } from '../../domain/redact.js';
import type { ConfigEdits, EditResult } from '../../services/config-edits.js';
import type { CoreDeps } from '../app-deps.js';
import { readJsonObject } from '../raw-body.js';

type Deps = Pick<CoreDeps, 'configEdits' | 'sync'>;

export function configChangeRoutes(router: Router, deps: Deps): void {
  router.post('/projects/:name/deploy', async (ctx) => {
    const body = await readJsonObject(ctx.req);
    if (typeof body.version !== 'string' || body.version === '') return ctx.throw(400, 'send { "version": "<tag>" | "latest", "pr": false }', { expose: true });
    const version = body.version;
    await answer(ctx, deps, body.pr === true, (edits) => edits.deploy(ctx.params.name as string, version));
  });
  router.post('/projects/:name/rollback', async (ctx) => {
    const body = await readJsonObject(ctx.req);
    if (body.to !== undefined && typeof body.to !== 'string') return ctx.throw(400, 'send { "to": "<tag>" } or {} for the previous deploy', { expose: true });
    const to = body.to;
    await answer(ctx, deps, body.pr === true, (edits) => edits.rollback(ctx.params.name as string, to));
  });
}

async function answer(ctx: Context, deps: Deps, pr: boolean, change: (edits: ConfigEdits) => Promise<EditResult>): Promise<void> {
  if (!deps.configEdits) return ctx.throw(501, 'this server cannot change its config repo: change it with the CLI on a working copy, or a pull request', { expose: true });
  try {
    const result = await deps.configEdits(pr, change);
    // A commit to the config repo on this machine is synced at once (its refs are watched); a pushed one is fetched now.
    if (result.changed && !result.pullRequest) void deps.sync.sync();
    ctx.status = result.changed ? 201 : 200;
    ctx.body = result;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const status = error instanceof PushRejectedError ? 409 : error.exitCode === 4 ? 404 : error.exitCode === 3 ? 401 : error.exitCode === 1 ? 502 : 400;
    ctx.status = status;
    // The config repo's URL (and git's stderr quoting it) may carry credentials.
    ctx.body = { error: redactText(error.message), ...(error.suggestions.length ? { suggestions: error.suggestions } : {}) };
  }
}
