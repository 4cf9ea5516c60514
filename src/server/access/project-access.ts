// Who may read what of a project through the API. A project with `auth` (basic auth) is private
// as a whole: its status, versions, archives, builds and logs need the API token (or the
// dashboard's session) or the site's own credentials; lists leave it out for anyone else.
import type { Context } from 'koa';
import type { SecretReader } from '../../ports/secrets.js';
import type { SiteAuth } from '../site/basic-auth.js';
import { BasicAuth } from '../site/basic-auth.js';
import { hasCredential } from '../api/auth.js';

export class ProjectAccess {
  private readonly basic: BasicAuth;

  /** `authOf`: the project's basic auth, live or desired, undefined for a public project. */
  constructor(
    private readonly authOf: (project: string) => SiteAuth | undefined,
    secrets: SecretReader = () => undefined,
  ) {
    this.basic = new BasicAuth(secrets);
  }

  isPrivate(project: string): boolean {
    return this.authOf(project) !== undefined;
  }

  /** Whether this request may see the project in a list (no password is checked for lists). */
  listed(ctx: Context, project: string): boolean {
    return hasCredential(ctx) || !this.isPrivate(project);
  }

  /** Throws 401 (asking for the site's credentials) unless the request may read the project. */
  async check(ctx: Context, project: string): Promise<void> {
    const auth = this.authOf(project);
    if (!auth || hasCredential(ctx)) return;
    if (await this.basic.allows(auth, ctx.get('Authorization') || undefined, ctx.socket.remoteAddress ?? '')) return;
    ctx.set('WWW-Authenticate', `Basic realm="${project}", charset="UTF-8"`);
    ctx.throw(401, `${project} is protected: send its basic-auth credentials or the API token`);
  }
}
