// GET /api/v1/builds/:id/log: the build's log as text/plain once it is over; while it is queued or
// running, Server-Sent Events: each new piece of the log as `data:` lines (whole lines only), then
// `event: end` with the final status. ?follow=0 gives the log so far as text even while it runs.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { formatSse, formatSseComment, splitLines } from '../../domain/sse.js';
import { followLog, type LogReader } from '../../services/log-follow.js';
import type { CoreDeps } from '../app-deps.js';

/** Followers at once, so a crowd of clients cannot pin the server. */
const MAX_FOLLOWERS = 100;
const KEEPALIVE_MS = 15_000;

type IdOf = (ctx: Context & { params: Record<string, string> }) => { project: string; version: string };

export function buildLogRoute(router: Router, deps: Pick<CoreDeps, 'store' | 'scheduler'>, idOf: IdOf): void {
  let followers = 0;
  router.get('/builds/:id/log', async (ctx) => {
    const { project, version } = idOf(ctx);
    const { store, scheduler } = deps;
    const follow = ctx.query.follow !== '0' && ctx.query.follow !== 'false';
    const active = scheduler.isActive(project, version);
    if (!active || !follow) {
      const record = await deps.store.readBuild(project, version);
      const log = await store.logs.readLog(project, version);
      if (!active && !record && !log) return ctx.throw(404, `no build ${project}@${version}`);
      ctx.type = 'text/plain; charset=utf-8';
      const status = active ? (await scheduler.view(project, version))?.status : record?.status;
      if (status) ctx.set('X-Opus-Build-Status', status);
      ctx.body = log ? log.bytes : '';
      return;
    }
    // Read before the stream starts: a record that cannot be read is an error answer, not a stream
    // that never ends holding one of the followers' places for good.
    const view = await scheduler.view(project, version);
    if (followers >= MAX_FOLLOWERS) return ctx.throw(503, 'too many log followers right now: try again later', { expose: true });
    followers += 1;
    // Written straight to the socket, not as a Koa stream body: a client that leaves is no error.
    ctx.respond = false;
    const { res } = ctx;
    const stop = new AbortController();
    res.on('close', () => stop.abort());
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' });
    res.write(formatSseComment(`${project}@${version} ${view?.status ?? 'queued'}${view?.position ? ` at position ${view.position}` : ''}`));
    void pipeLog(res, (offset, max) => store.logs.readLog(project, version, offset, max), () => !scheduler.isActive(project, version), stop.signal)
      .then(async () => {
        if (stop.signal.aborted) return;
        const record = await deps.store.readBuild(project, version);
        res.end(formatSse(JSON.stringify({ id: `${project}@${version}`, status: record?.status ?? 'unknown', ...(record?.error ? { error: record.error } : {}) }), 'end'));
      })
      .catch(() => res.destroy())
      .finally(() => {
        followers -= 1;
      });
  });
}

async function pipeLog(out: ServerResponse, read: LogReader, isDone: () => boolean, signal: AbortSignal): Promise<void> {
  let pending = '';
  const keepalive = setInterval(() => out.write(formatSseComment('keepalive')), KEEPALIVE_MS);
  try {
    await followLog(read, {
      isDone,
      signal,
      onText: async (text) => {
        const { lines, rest } = splitLines(pending, text);
        pending = rest;
        // Backpressure: a slow client slows the reading down instead of filling memory.
        if (lines !== undefined && !out.write(formatSse(lines))) await once(out, 'drain', { signal }).catch(() => undefined);
      },
    });
    if (pending && !signal.aborted) out.write(formatSse(pending.replace(/\r$/, '')));
  } finally {
    clearInterval(keepalive);
  }
}
