// /api/v1 builds: trigger a build of any tag of a project, list queued/running/recent builds,
// look at one, cancel one, and read or follow its log.
import type Router from '@koa/router';
import type { Context } from 'koa';
import { parseBuildId } from '../../domain/builds.js';
import type { BuildRecord } from '../../ports/artifact-store.js';
import type { ProjectAccess } from '../access/project-access.js';
import type { CoreDeps } from '../app-deps.js';
import { readJsonObject } from '../raw-body.js';
import { buildLogRoute } from './build-log.js';

const CANCEL_WAIT_MS = 15_000;

export function buildRoutes(router: Router, deps: Pick<CoreDeps, 'store' | 'scheduler' | 'triggers'>, access: ProjectAccess): void {
  const { scheduler } = deps;

  router.post('/projects/:project/builds', async (ctx) => {
    if (!deps.triggers) return ctx.throw(503, 'this server does not take build triggers', { expose: true });
    const body = await readJsonObject(ctx.req);
    const outcome = await deps.triggers.trigger(ctx.params.project as string, body.version as string, { force: body.force === true, trigger: 'api' });
    if (outcome.kind === 'error') return ctx.throw(outcome.status, outcome.message, { expose: true });
    ctx.status = outcome.kind === 'queued' ? 202 : 200;
    ctx.body = { ...outcome.build, ...(outcome.kind === 'built' ? { alreadyBuilt: true } : {}), message: outcome.message };
  });

  router.get('/builds', async (ctx) => {
    const project = typeof ctx.query.project === 'string' ? ctx.query.project : undefined;
    const limit = Math.min(Math.max(Number(ctx.query.limit ?? 50) || 50, 1), 1000);
    if (project) await access.check(ctx, project);
    const views = await scheduler.views(project, limit);
    ctx.body = { builds: project ? views : views.filter((b) => access.listed(ctx, b.project)) };
  });

  router.get('/builds/:id', async (ctx) => {
    const { project, version } = buildIdOf(ctx);
    const view = await scheduler.view(project, version);
    if (!view) return ctx.throw(404, `no build ${project}@${version}`);
    ctx.body = view;
  });

  router.delete('/builds/:id', async (ctx) => {
    const { project, version } = buildIdOf(ctx);
    const done = scheduler.cancel(project, version);
    if (!done) {
      const view = await scheduler.view(project, version);
      if (!view) return ctx.throw(404, `no build ${project}@${version}`);
      return ctx.throw(409, `${project}@${version} is not queued or running: its last build ${view.status}, nothing to cancel`);
    }
    const record = await Promise.race([done, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), CANCEL_WAIT_MS).unref())]);
    ctx.status = record ? 200 : 202;
    ctx.body = record ? { ...(await scheduler.view(project, version)), message: cancelMessage(record) } : { id: `${project}@${version}`, status: 'cancelling' };
  });

  buildLogRoute(router, deps, buildIdOf);
}

/** The :id parameter, `<project>@<version>` (URL-encoded or not). */
export function buildIdOf(ctx: Context & { params: Record<string, string> }): { project: string; version: string } {
  const raw = ctx.params.id ?? '';
  let id = raw;
  try {
    id = decodeURIComponent(raw);
  } catch {
    // keep it as given
  }
  const parsed = parseBuildId(id);
  if (!parsed) return ctx.throw(400, `"${id}" is not a build id: use <project>@<version>, e.g. site@1.2.0`);
  return parsed;
}

function cancelMessage(record: BuildRecord): string {
  const id = `${record.project}@${record.version}`;
  return record.status === 'cancelled' ? `${id} cancelled` : `${id} ended as ${record.status} before it could be cancelled`;
}
