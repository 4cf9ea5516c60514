// "As a pull request" from the API the dashboard calls, on a server whose config repo is a git URL:
// the server's own clone pushes a branch and opens the pull request `opus deploy --pr` opens, and
// the config repo's main is untouched. Hosted forge APIs cannot be reached here: the stand-in on
// 127.0.0.1 answers GitHub's calls and serves the repository over smart HTTP.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer } from '../../src/runtime/start-server.js';
import { silentLogger } from '../../src/services/logger.js';
import { gitSync, makeSourceRepo, opus, tempDir } from '../support/fixtures.js';
import { startForgeStandIn } from '../support/forge-stand-in.js';

const TOKENS = { github: 'ghp_standInToken0123456789abcdefABCDEF', gitea: 'gitea-stand-in-token-0123456789' };
const API_TOKEN = 'remote-config-pr-token';

test('deploy with "pr": true from the API: a branch pushed from the server\'s clone and the CLI\'s pull request; main untouched', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t, 'opus-remote-pr-');
  const source = await makeSourceRepo(join(dir, 'app'), { '1.0.0': { 'a.txt': '1' }, '1.1.0': { 'a.txt': '2' } });
  const bare = join(dir, 'forge', 'acme', 'opus-config.git');
  gitSync(dir, 'init', '--quiet', '--bare', bare);
  const forge = await startForgeStandIn(join(dir, 'forge'), TOKENS);
  t.after(() => forge.close());
  const seed = join(dir, 'seed');
  assert.equal((await opus(['init', seed])).code, 0);
  // No build is wanted here: the project is not deployed, so the server builds nothing.
  assert.equal((await opus(['add', 'site', source, '--image', 'node:20', '--command', 'true'], { env: { OPUS_CONFIG: seed } })).code, 0);
  gitSync(seed, 'push', '--quiet', bare, 'main');
  const mainBefore = gitSync(bare, 'rev-parse', 'main').trim();

  // The server reads its forge settings from its environment, as `opus server` does.
  Object.assign(process.env, { OPUS_FORGE: 'github', OPUS_FORGE_API: `${forge.url}/api/v3`, GITHUB_TOKEN: TOKENS.github });
  const server = await startServer({ dataDir: join(dir, 'data'), config: `${forge.url}/acme/opus-config.git`, port: 0, host: '127.0.0.1', logger: silentLogger, apiToken: API_TOKEN, syncIntervalMs: 3_600_000 });
  t.after(() => server.close());

  const response = await fetch(`${server.url}/api/v1/projects/site/deploy`, { method: 'POST', headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ version: '1.1.0', pr: true }) });
  assert.equal(response.status, 201, await response.clone().text());
  const body = (await response.json()) as { message: string; commit: string; pullRequest: { number: number; branch: string; base: string } };
  assert.equal(body.message, 'deploy site 1.1.0');
  assert.deepEqual({ number: body.pullRequest.number, branch: body.pullRequest.branch, base: body.pullRequest.base }, { number: 1, branch: 'opus/deploy-site-1.1.0', base: 'main' });
  const [call] = forge.calls;
  assert.equal(call?.path, '/api/v3/repos/acme/opus-config/pulls');
  assert.equal(call?.body.title, 'deploy site 1.1.0');
  assert.equal(gitSync(bare, 'rev-parse', 'opus/deploy-site-1.1.0').trim(), body.commit);
  assert.equal(gitSync(bare, 'rev-parse', `${body.commit}^`).trim(), mainBefore, 'on top of the remote\'s main');
  assert.equal(gitSync(bare, 'rev-parse', 'main').trim(), mainBefore, 'main is untouched until the pull request is merged');
});
