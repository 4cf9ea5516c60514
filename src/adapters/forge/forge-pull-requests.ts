// Opens pull requests through a forge's REST API: GitHub (POST /repos/{owner}/{repo}/pulls) or
// Gitea (the same path under /api/v1). The token goes in a header and nowhere else.
import { UserError, errorMessage } from '../../domain/errors.js';
import type { ForgeTarget } from '../../domain/forge.js';
import { redactText } from '../../domain/redact.js';
import type { OpenedPullRequest, PullRequestInput, PullRequests } from '../../ports/pull-requests.js';

export class ForgePullRequests implements PullRequests {
  constructor(private readonly token: string) {}

  async open(target: ForgeTarget, input: PullRequestInput): Promise<OpenedPullRequest> {
    const url = `${target.api}/repos/${encodeURIComponent(target.owner)}/${encodeURIComponent(target.repo)}/pulls`;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: target.kind === 'github' ? 'application/vnd.github+json' : 'application/json',
      'User-Agent': 'opus-cli',
      Authorization: target.kind === 'github' ? `Bearer ${this.token}` : `token ${this.token}`,
      ...(target.kind === 'github' ? { 'X-GitHub-Api-Version': '2022-11-28' } : {}),
    };
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(input), signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      throw new UserError(`cannot reach the ${target.kind} API at ${target.api}: ${errorMessage((error as { cause?: unknown }).cause ?? error)}`, ['check --forge-api (or OPUS_FORGE_API) and the network'], 1);
    }
    const text = await response.text();
    const data = parseJson(text);
    if (response.ok) {
      const number = Number(data.number);
      const htmlUrl = typeof data.html_url === 'string' ? data.html_url : typeof data.url === 'string' ? data.url : '';
      return { number, url: htmlUrl };
    }
    const detail = redactText(forgeMessage(data) || text.slice(0, 300) || response.statusText);
    if (response.status === 401 || response.status === 403) {
      throw new UserError(`the ${target.kind} API refused the token (${response.status}): ${detail}`, [
        `set a token that may open pull requests on ${target.owner}/${target.repo} in ${target.kind === 'github' ? 'GITHUB_TOKEN' : 'GITEA_TOKEN'}, or pass --forge-token`,
      ], 3);
    }
    if (response.status === 404) {
      throw new UserError(`the ${target.kind} API does not know ${target.owner}/${target.repo} (404): ${detail}`, ['check the remote, --forge and --forge-api; a token without access to a private repo also gets 404'], 4);
    }
    throw new UserError(`the ${target.kind} API did not open the pull request (${response.status}): ${detail}`, [], 1);
  }
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** GitHub: { message, errors: [{ message }] }; Gitea: { message }. */
function forgeMessage(data: Record<string, unknown>): string {
  const errors = Array.isArray(data.errors) ? (data.errors as unknown[]).map((e) => (e && typeof e === 'object' && 'message' in e ? String(e.message) : JSON.stringify(e))) : [];
  return [typeof data.message === 'string' ? data.message : '', ...errors].filter(Boolean).join('; ');
}
