// Isolation in real headless Chromium against a real server that really built three projects in
// Docker: a page served from one project's host, in a browser logged in to the dashboard and to a
// members-only sibling, cannot read the dashboard's credentials, cannot change anything through
// the API (fetch with and without credentials, no-cors, form posts), and cannot read the sibling.
// The hosts are a real install's, the hard case: the dashboard on opus.example.test and the sites
// on *.sites.example.test are SAME-SITE (one registrable domain), so the browser sends the
// SameSite=Strict session cookie along with a site's requests to the dashboard host; what refuses
// them is the Origin / Sec-Fetch-Site / custom header check, and the absence of CORS headers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startOpusWorld, type OpusWorld } from '../support/opus-world.js';

let w: OpusWorld;
let browser: Browser;
let context: BrowserContext;
let dashboard: string;

before(async () => {
  process.env.OPUS_E2E_ISOLATION_HASH = bcrypt.hashSync('s3cret', 4);
  w = await startOpusWorld({
    attacker: { versions: { '1.0.0': { 'public/index.html': '<!doctype html><title>attacker</title><p>attacker</p>\n' } }, deploy: '1.0.0' },
    victim: { versions: { '1.0.0': { 'public/index.html': 'victim 1.0.0\n' }, '1.1.0': { 'public/index.html': 'victim 1.1.0\n' } }, deploy: '1.1.0' },
    members: { versions: { '1.0.0': { 'public/index.html': 'members secret page\n' } }, deploy: '1.0.0', yaml: 'auth:\n  username: team\n  passwordHash:\n    env: OPUS_E2E_ISOLATION_HASH\n' },
  }, { origins: { dashboardHosts: ['opus.example.test', '127.0.0.1'], sitesDomain: 'sites.example.test', pathHosts: [] } });
  await w.settle();
  // Build 1.0.0 of victim too, so there is a version a request could delete.
  assert.equal((await w.api('/api/v1/projects/victim/builds', { method: 'POST', body: JSON.stringify({ version: '1.0.0' }), headers: { 'Content-Type': 'application/json' } })).status, 202);
  await w.server.queue.idle();
  dashboard = `http://opus.example.test:${new URL(w.url).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP *.example.test 127.0.0.1'] });
  // The user: logged in to the dashboard (with the login URL opus server prints) and to the members site.
  context = await browser.newContext({ httpCredentials: { username: 'team', password: 's3cret' } });
  const login = await context.newPage();
  await login.goto(`${dashboard}/_opus/#token=${w.token}`);
  await login.locator('#logout').waitFor({ state: 'visible' });
  await login.close();
});

after(async () => {
  await browser?.close();
  await w?.close();
});

async function attackerPage(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(siteUrl('attacker'));
  assert.equal(await page.textContent('p'), 'attacker');
  return page;
}

/** Runs `expression` in the page, as the page's own script would (a string: these tests are not compiled against the DOM). */
const inBrowser = <T = unknown>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

/** A project's (or a preview's) own origin under the sites domain. */
const siteUrl = (label: string) => `http://${label}.sites.example.test:${new URL(w.url).port}/`;

const versionsOf = async (project: string) => ((await (await w.api(`/api/v1/projects/${project}/artifacts`)).json()) as { artifacts: { version: string }[] }).artifacts.map((a) => a.version).sort();

test('the dashboard keeps its credential in an HttpOnly, SameSite=Strict, host-only cookie: no script can read it', async () => {
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'opus_session');
  assert.ok(session, 'logged in');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.equal(session.domain, 'opus.example.test', 'host-only: not sent to *.example.test');
  const page = await context.newPage();
  await page.goto(`${dashboard}/_opus/`);
  await page.locator('#projects tr[data-project="members"]').waitFor();
  assert.equal(page.url(), `${dashboard}/_opus/`, 'the token left the URL');
  const seen = await inBrowser<{ cookie: string; storage: string }>(page, `({ cookie: document.cookie, storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) })`);
  assert.doesNotMatch(seen.cookie + seen.storage, new RegExp(w.token));
  assert.doesNotMatch(seen.cookie, /opus_session/);
  await page.close();

  const attacker = await attackerPage();
  const stolen = await inBrowser<string[]>(attacker, `(async (url) => {
    const tries = [document.cookie, JSON.stringify({ ...localStorage })];
    for (const path of ['/_opus/session', '/api/v1/projects', '/_opus/app.js']) {
      tries.push(await fetch(url + path, { credentials: 'include' }).then((r) => r.text(), (e) => 'blocked: ' + e.name));
    }
    return tries;
  })(${JSON.stringify(dashboard)})`);
  assert.deepEqual(stolen.slice(0, 2), ['', '{}']);
  for (const answer of stolen.slice(2)) assert.match(answer, /^blocked: TypeError$/, 'no CORS: the dashboard host is unreadable from a site');
  await attacker.close();
});

test('a site cannot change anything through the API: fetch with and without credentials, no-cors, with the dashboard header, form posts', async () => {
  const before = { victim: await versionsOf('victim'), sync: w.server.sync.lastReport?.at, builds: (await w.server.scheduler.views('victim', 100)).length };
  assert.deepEqual(before.victim, ['1.0.0', '1.1.0']);
  const attacker = await attackerPage();
  const outcomes = await inBrowser<string[]>(attacker, `(async (url) => {
    const results = [];
    const attempts = [];
    for (const credentials of ['omit', 'include']) {
      for (const mode of ['cors', 'no-cors']) {
        attempts.push([url + '/api/v1/projects/victim/artifacts/1.0.0', { method: 'DELETE', credentials, mode }]);
        attempts.push([url + '/api/v1/sync', { method: 'POST', credentials, mode }]);
        attempts.push([url + '/api/v1/projects/victim/builds', { method: 'POST', credentials, mode, body: '{"version":"1.0.0","force":true}', headers: { 'Content-Type': 'text/plain' } }]);
        attempts.push([url + '/_opus/logout', { method: 'POST', credentials, mode }]);
      }
      attempts.push([url + '/api/v1/sync', { method: 'POST', credentials, headers: { 'X-Opus-Request': 'dashboard' } }]);
      attempts.push([url + '/api/v1/projects/victim/artifacts/1.0.0', { method: 'DELETE', credentials, headers: { 'X-Opus-Request': 'dashboard' } }]);
    }
    for (const [target, init] of attempts) results.push(await fetch(target, init).then((r) => init.method + ' ' + r.type + ' ' + r.status, (e) => init.method + ' blocked ' + e.name));
    return results;
  })(${JSON.stringify(dashboard)})`);
  for (const outcome of outcomes) assert.match(outcome, /blocked TypeError|opaque 0/, outcome);
  // A top-level form post: same-site, so the SameSite=Strict cookie goes along; Origin and the missing header refuse it.
  for (const [action, field] of [['/api/v1/sync', ''], ['/api/v1/projects/victim/builds', 'version']] as const) {
    const answer = attacker.waitForResponse((r) => r.url() === `${dashboard}${action}`);
    await inBrowser(attacker, `((target, named) => {
      const form = Object.assign(document.createElement('form'), { method: 'POST', action: target, enctype: 'text/plain' });
      if (named) form.append(Object.assign(document.createElement('input'), { name: '{"version":"1.0.0","force":true,"x":"', value: '"}' }));
      document.body.append(form);
      form.submit();
    })(${JSON.stringify(`${dashboard}${action}`)}, ${JSON.stringify(field !== '')})`);
    const response = await answer;
    assert.equal(response.status(), 403, `form post to ${action}`);
    assert.match(await response.text(), /another origin|needs the header/);
    await attacker.goto(siteUrl('attacker'));
  }
  await attacker.close();
  await w.server.queue.idle();
  assert.deepEqual(await versionsOf('victim'), before.victim, 'nothing was deleted');
  assert.equal(w.server.sync.lastReport?.at, before.sync, 'no sync ran');
  assert.equal((await w.server.scheduler.views('victim', 100)).length, before.builds, 'no build was queued');
  assert.ok((await context.cookies()).some((c) => c.name === 'opus_session'), 'and the user is still logged in');
});

test('a site cannot read a sibling protected by basic auth, though the browser holds its credentials', async () => {
  const own = await context.newPage();
  await own.goto(siteUrl('members'));
  assert.equal((await own.textContent('body'))?.trim(), 'members secret page', 'the user sees it');
  await own.close();
  const attacker = await attackerPage();
  const reads = await inBrowser<string[]>(attacker, `(async (members, api) => {
    const results = [];
    for (const [url, credentials] of [[members, 'include'], [members, 'omit'], [api + '/api/v1/projects/members/artifacts/1.0.0/archive', 'include'], [api + '/api/v1/builds/members@1.0.0/log', 'include']]) {
      results.push(await fetch(url, { credentials }).then((r) => r.text(), (e) => 'blocked ' + e.name));
    }
    const frame = Object.assign(document.createElement('iframe'), { src: members });
    document.body.append(frame);
    await new Promise((resolve) => frame.addEventListener('load', resolve));
    try {
      results.push(frame.contentDocument && frame.contentDocument.body ? frame.contentDocument.body.innerText : 'no document');
    } catch (error) {
      results.push('blocked ' + error.name);
    }
    return results;
  })(${JSON.stringify(siteUrl('members'))}, ${JSON.stringify(dashboard)})`);
  assert.deepEqual(reads.slice(0, 4), ['blocked TypeError', 'blocked TypeError', 'blocked TypeError', 'blocked TypeError']);
  assert.match(reads[4] ?? '', /^(blocked SecurityError|no document)$/);
  for (const read of reads) assert.doesNotMatch(read, /members secret page/);
  await attacker.close();
  // And without the browser's help: the API hands out nothing of members without its credentials or the token.
  for (const path of ['/api/v1/projects/members/artifacts/1.0.0/archive', '/api/v1/projects/members', '/api/v1/builds/members@1.0.0/log']) {
    assert.equal((await fetch(`${w.url}${path}`)).status, 401, path);
  }
  assert.equal((await fetch(`${w.url}/api/v1/projects/members/artifacts/1.0.0/archive`, { headers: { Authorization: `Basic ${Buffer.from('team:s3cret').toString('base64')}` } })).status, 200);
  const listed = ((await (await fetch(`${w.url}/api/v1/projects`)).json()) as { projects: { name: string }[] }).projects.map((p) => p.name);
  assert.deepEqual(listed, ['attacker', 'victim'], 'a private project is not listed without a credential');
});
