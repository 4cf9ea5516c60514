// Commit statuses and the marked pull-request comment through each forge's REST API:
// GitHub (POST /repos/{o}/{r}/statuses/{sha}; issues comments, paginated by Link headers),
// Gitea (the same paths under /api/v1), GitLab (POST /projects/:id/statuses/:sha; merge request
// notes). The token goes in a header and nowhere else; the next page is followed only on the API's origin.
import { errorMessage } from '../../domain/errors.js';
import { forgePaths, nextPage, type ForgeRepo } from '../../domain/previews/forge-repo.js';
import { markedComments, gitlabState, type CommitStatus } from '../../domain/previews/preview-report.js';
import { redactText } from '../../domain/redact.js';
import type { WebhookProvider } from '../../domain/webhook-payload.js';
import type { ForgeReporter } from '../../ports/previews.js';

/** Pages of comments read at most before a new one is added (100 each). */
const MAX_PAGES = 20;

export class HttpForgeReporter implements ForgeReporter {
  constructor(private readonly tokens: Partial<Record<WebhookProvider, string>>) {}

  async setStatus(repo: ForgeRepo, commit: string, status: CommitStatus): Promise<void> {
    const body = repo.provider === 'gitlab'
      ? { state: gitlabState(status.state), target_url: status.targetUrl, description: status.description, name: status.context }
      : { state: status.state, target_url: status.targetUrl, description: status.description, context: status.context };
    const response = await this.call(repo, 'POST', `${repo.api}${forgePaths(repo, commit, 0).status}`, body);
    // GitLab refuses a status that is already the commit's ("Cannot transition status via :run from :running").
    if (repo.provider === 'gitlab' && response.status === 400 && /cannot transition/i.test(response.text)) return;
    expectOk(repo, 'set the commit status', response);
  }

  async upsertComment(repo: ForgeRepo, number: number, marker: string, body: string): Promise<void> {
    const paths = forgePaths(repo, '', number);
    let url: string | undefined = `${repo.api}${paths.comments}?per_page=100`;
    for (let page = 0; url && page < MAX_PAGES; page += 1) {
      const response = await this.call(repo, 'GET', url);
      expectOk(repo, 'list the comments', response);
      const comments = parseJson(response.text);
      for (const found of Array.isArray(comments) ? markedComments(comments.filter(isComment), marker) : []) {
        const edited = await this.call(repo, repo.provider === 'gitlab' ? 'PUT' : 'PATCH', `${repo.api}${paths.comment(found.id)}`, { body });
        // Someone else's comment that copies the marker cannot be edited: it is passed over.
        if (edited.status !== 403 && edited.status !== 404) return expectOk(repo, 'update the comment', edited);
      }
      url = nextPage(response.headers.get('link'), repo.api);
    }
    expectOk(repo, 'add the comment', await this.call(repo, 'POST', `${repo.api}${paths.comments}`, { body }));
  }

  private async call(repo: ForgeRepo, method: string, url: string, body?: unknown): Promise<{ status: number; text: string; headers: Headers }> {
    const token = this.tokens[repo.provider];
    if (!token) throw new Error(`no ${repo.provider} token: set ${TOKEN_NAMES[repo.provider]} (or ${TOKEN_NAMES[repo.provider]}_FILE) on the server`);
    const headers: Record<string, string> = {
      Accept: repo.provider === 'github' ? 'application/vnd.github+json' : 'application/json',
      'User-Agent': 'opus-server',
      ...(repo.provider === 'gitlab' ? { 'PRIVATE-TOKEN': token } : { Authorization: repo.provider === 'github' ? `Bearer ${token}` : `token ${token}` }),
      ...(repo.provider === 'github' ? { 'X-GitHub-Api-Version': '2022-11-28' } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    };
    try {
      const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(15_000), redirect: 'error' });
      return { status: response.status, text: await response.text(), headers: response.headers };
    } catch (error) {
      throw new Error(`cannot reach the ${repo.provider} API at ${repo.api}: ${errorMessage((error as { cause?: unknown }).cause ?? error)}`, { cause: error });
    }
  }
}

/** The server's environment variables of each forge's token. */
export const TOKEN_NAMES: Record<WebhookProvider, string> = { github: 'GITHUB_TOKEN', gitea: 'GITEA_TOKEN', gitlab: 'GITLAB_TOKEN' };

function expectOk(repo: ForgeRepo, what: string, response: { status: number; text: string }): void {
  if (response.status >= 200 && response.status < 300) return;
  const data = parseJson(response.text);
  const message = data && typeof data === 'object' && 'message' in data ? String(data.message) : response.text.slice(0, 200);
  throw new Error(`the ${repo.provider} API did not ${what} of ${repo.path} (${response.status}): ${redactText(message)}`);
}

function isComment(comment: unknown): comment is { id: number; body?: unknown } {
  return typeof comment === 'object' && comment !== null && typeof (comment as { id?: unknown }).id === 'number';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
