import type { Context } from 'koa';

/** The server's address as the client reached it (Koa's ctx.origin is the Origin header instead). */
export function serverOrigin(ctx: Context): string {
  return `${ctx.protocol}://${ctx.host}`;
}
