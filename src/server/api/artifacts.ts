// Built versions of a project: list them, download one's archive, remove one (never the live or
// the desired version).
import type Router from '@koa/router';
import type { Context } from 'koa';
import { isProjectName, isVersion } from '../../domain/names.js';
import { Artifacts } from '../../services/artifacts.js';
import type { CoreDeps } from '../app-deps.js';
import { serverOrigin, sitesOf } from './origin.js';

/**
 * Downloads at once. Most archives are stored files now, but one of a version published before
 * they were is packed on request (gzip of a whole version) and each holds a file open, so a few
 * at a time, and a stalled client is cut.
 */
const MAX_PACKING = 2;
/** A download whose client reads nothing for this long is cut, so a stalled client cannot hold a slot. */
export const ARCHIVE_IDLE_MS = 30_000;

export function artifactRoutes(router: Router, deps: Pick<CoreDeps, 'logger' | 'sites' | 'store' | 'sync' | 'origins' | 'archiveIdleMs'>): void {
  const artifacts = new Artifacts(deps.store, deps.sites, deps.sync);
  let packing = 0;

  const project = async (ctx: Context): Promise<string> => {
    const name = String((ctx.params as Record<string, unknown>).name);
    if (!isProjectName(name) || !(await artifacts.known(name))) ctx.throw(404, `no project "${name}"`);
    return name;
  };
  const version = async (ctx: Context, name: string): Promise<string> => {
    const wanted = String((ctx.params as Record<string, unknown>).version);
    if (!(await artifacts.exists(name, wanted))) ctx.throw(404, `${name} has no built version "${wanted}"`);
    return wanted;
  };

  router.get('/projects/:name/artifacts', async (ctx) => {
    const name = await project(ctx);
    ctx.body = { project: name, artifacts: await artifacts.list(name, serverOrigin(ctx), sitesOf(ctx, deps)) };
  });

  router.get('/projects/:name/artifacts/:version/archive', async (ctx) => {
    const name = await project(ctx);
    const wanted = String(ctx.params.version);
    if (ctx.method === 'HEAD') {
      // Whether it exists, without packing anything (no snapshot, no slot).
      if (!(await artifacts.exists(name, wanted))) return ctx.throw(404, `${name} has no archive of version "${wanted}"`);
      ctx.type = 'application/gzip';
      ctx.attachment(`${name}-${wanted}.tar.gz`);
      ctx.set('Cache-Control', 'no-cache');
      ctx.status = 200;
      return;
    }
    if (packing >= MAX_PACKING) {
      ctx.set('Retry-After', '5');
      return ctx.throw(503, `${MAX_PACKING} archives are being made already; try again in a few seconds`, { expose: true });
    }
    packing += 1;
    let archive: Awaited<ReturnType<typeof deps.store.openArchive>>;
    try {
      archive = isVersion(wanted) ? await deps.store.openArchive(name, wanted) : undefined;
    } finally {
      if (!archive) packing -= 1;
    }
    if (!archive) return ctx.throw(404, `${name} has no archive of version "${wanted}"`);
    const { socket } = ctx.req;
    socket.setTimeout(deps.archiveIdleMs ?? ARCHIVE_IDLE_MS, () => socket.destroy());
    archive.stream.once('close', () => {
      packing -= 1;
      socket.setTimeout(0);
    });
    ctx.type = 'application/gzip';
    ctx.attachment(`${name}-${wanted}.tar.gz`);
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = archive.stream;
    if (archive.bytes !== undefined) ctx.length = archive.bytes;
  });

  router.delete('/projects/:name/artifacts/:version', async (ctx) => {
    const name = await project(ctx);
    const wanted = await version(ctx, name);
    const result = await artifacts.remove(name, wanted);
    if ('refused' in result) ctx.throw(409, result.refused);
    if ('missing' in result) ctx.throw(404, `${name} has no built version "${wanted}"`);
    deps.logger.info('version removed', { project: name, version: wanted });
    ctx.body = { project: name, version: wanted, removed: true };
  });
}
