import type { Context } from 'koa';
import { EMBEDDED_ORIGINS, type Origins } from '../../domain/origins.js';
import { siteAddress, type SiteAddress } from '../../domain/urls.js';

/** The server's address as the client reached it (Koa's ctx.origin is the Origin header instead). */
export function serverOrigin(ctx: Context): string {
  return `${ctx.protocol}://${ctx.host}`;
}

/** Where this server's sites are, in the scheme and port the client reached the dashboard by. */
export function sitesOf(ctx: Context, deps: { origins?: Origins }): SiteAddress {
  return siteAddress(serverOrigin(ctx), deps.origins ?? EMBEDDED_ORIGINS);
}
