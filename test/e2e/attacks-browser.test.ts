// Attacks by a site's own scripts, in real Chromium, against the real `opus server` process: the
// operator is logged in to the dashboard in the same browser, and a page of `alpha` (a public
// project) tries to read the dashboard, the API, the session and the basic-auth sibling `vault`,
// to change state with the operator's cookie, to frame the dashboard, to toss cookies onto the
// dashboard's host, and to control other origins with a service worker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startAttackWorld, VAULT, VAULT_CONTENT, type AttackWorld } from '../support/attack-world.js';

const SW = `self.addEventListener('fetch', (event) => event.respondWith(new Response('HIJACKED by alpha', { headers: { 'Content-Type': 'text/html' } })));\n`;

async function buildCount(world: AttackWorld): Promise<number> {
  const { builds } = (await (await world.api('/api/v1/builds?limit=100')).json()) as { builds: unknown[] };
  return builds.length;
}

/** Runs `script` as alpha's page would and returns what it could read ('blocked' where the browser refused). */
function attempt(page: Page, script: string): Promise<string> {
  return page.evaluate(`(async () => { try { return String(await (async () => { ${script} })()); } catch (error) { return 'blocked: ' + error; } })()`);
}

test('a site\'s scripts in Chromium cannot read or act for the dashboard, the API or a protected sibling', { timeout: 200_000 }, async (t) => {
  const world = await startAttackWorld(t, {
    alpha: { versions: { '1.0.0': { 'public/index.html': '<h1>alpha</h1>\n', 'public/sw.js': SW } }, command: 'mkdir -p dist && cp -r public/. dist/' },
    vault: VAULT,
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  t.after(() => browser.close());
  const context: BrowserContext = await browser.newContext();
  const dashboard = await context.newPage();
  await dashboard.goto(`${world.dashboard}/_opus/#token=${encodeURIComponent(world.token)}`);
  await dashboard.locator('#projects tbody tr').first().waitFor();
  const loggedIn = async () => JSON.parse(await dashboard.evaluate(() => fetch('/_opus/session').then((r) => r.text()))) as { loggedIn: boolean };
  assert.equal((await loggedIn()).loggedIn, true, 'the operator is logged in');
  const alpha = await context.newPage();
  await alpha.goto(`${world.site('alpha')}/`);
  const api = (path: string) => `${world.dashboard}${path}`;

  await t.test('1. fetch with the operator\'s cookie cannot read the API, the session or the dashboard', async () => {
    for (const path of ['/api/v1/projects/vault', '/api/v1/hooks/deliveries', '/_opus/session', '/_opus/', '/api/v1/projects/vault/artifacts/1.0.0/archive']) {
      const read = await attempt(alpha, `const r = await fetch(${JSON.stringify(api(path))}, { credentials: 'include' }); return r.status + ' ' + (await r.text());`);
      assert.match(read, /^blocked/, `${path}: ${read.slice(0, 200)}`);
    }
    const vault = await attempt(alpha, `const r = await fetch(${JSON.stringify(`${world.site('vault')}/`)}, { credentials: 'include' }); return await r.text();`);
    assert.ok(!vault.includes(VAULT_CONTENT), 'the vault was read');
  });

  await t.test('2. no-cors requests, forms and a preflighted request with the cookie change nothing', async () => {
    const before = await buildCount(world);
    const { at: syncedAt } = (await (await world.api('/api/v1/sync')).json()) as { at?: string };
    await attempt(alpha, `await fetch(${JSON.stringify(api('/api/v1/projects/alpha/builds'))}, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{"version":"1.0.0","force":true}' }); return 'sent';`);
    await attempt(alpha, `await fetch(${JSON.stringify(api('/api/v1/sync'))}, { method: 'POST', mode: 'no-cors', credentials: 'include' }); return 'sent';`);
    await attempt(alpha, `await fetch(${JSON.stringify(api('/_opus/logout'))}, { method: 'POST', mode: 'no-cors', credentials: 'include' }); return 'sent';`);
    const preflighted = await attempt(alpha, `const r = await fetch(${JSON.stringify(api('/api/v1/projects/alpha/artifacts/1.0.0'))}, { method: 'DELETE', credentials: 'include', headers: { 'X-Opus-Request': 'dashboard' } }); return r.status;`);
    assert.match(preflighted, /^blocked/);
    await attempt(alpha, `
      const frame = document.createElement('iframe'); frame.name = 'sink'; document.body.append(frame);
      const form = document.createElement('form'); form.method = 'POST'; form.action = ${JSON.stringify(api('/api/v1/projects/alpha/builds'))}; form.target = 'sink'; form.enctype = 'text/plain';
      const input = document.createElement('input'); input.name = '{"version":"1.0.0","force":true,"x":"'; input.value = '"}'; form.append(input); document.body.append(form); form.submit();
      await new Promise((r) => setTimeout(r, 1000)); return 'sent';`);
    assert.equal(await buildCount(world), before, 'a build was started with the operator\'s cookie');
    const { at: syncedAfter } = (await (await world.api('/api/v1/sync')).json()) as { at?: string };
    assert.equal(syncedAfter, syncedAt, 'a sync was run with the operator\'s cookie');
    assert.equal((await loggedIn()).loggedIn, true, 'the operator was logged out');
    assert.equal((await world.api('/api/v1/projects/alpha/artifacts')).status, 200);
  });

  await t.test('3. the dashboard cannot be framed (no clickjacking) nor read through a window', async () => {
    const framed = await attempt(alpha, `
      const frame = document.createElement('iframe'); frame.src = ${JSON.stringify(api('/_opus/'))}; document.body.append(frame);
      await new Promise((r) => frame.onload = r);
      return frame.contentDocument ? frame.contentDocument.body.innerHTML : 'no document';`);
    assert.ok(!framed.includes('projects'), `the framed dashboard was readable: ${framed.slice(0, 200)}`);
    const dashboardFrame = alpha.frames().find((f) => f.url().startsWith(world.dashboard));
    const rendered = dashboardFrame ? await dashboardFrame.locator('#projects').count().catch(() => 0) : 0;
    assert.equal(rendered, 0, 'the dashboard rendered inside a site\'s frame');
    const opened = await attempt(alpha, `const w = window.open(${JSON.stringify(api('/_opus/'))}); await new Promise((r) => setTimeout(r, 1500)); const text = w.document.body.innerText; w.close(); return text;`);
    assert.match(opened, /^blocked/);
  });

  await t.test('4. cookies a site tosses onto the dashboard\'s host (Domain=localhost, narrower paths) neither log the operator out nor in', async () => {
    const tossed = await attempt(alpha, `
      for (const path of ['/', '/api', '/api/v1', '/_opus']) document.cookie = 'opus_session=1999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; Domain=localhost; Path=' + path + '; SameSite=Lax';
      return document.cookie;`);
    const cookies = await context.cookies(world.dashboard);
    const planted = cookies.filter((c) => c.name === 'opus_session' && c.domain.replace(/^\./, '') === 'localhost' && c.value.startsWith('1999'));
    t.diagnostic(`Chromium kept ${planted.length} tossed cookie(s) for localhost (${tossed.slice(0, 60)})`);
    assert.equal((await loggedIn()).loggedIn, true, 'a tossed cookie logged the operator out');
    const change = await dashboard.evaluate(() => fetch('/api/v1/projects/alpha/builds', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Opus-Request': 'dashboard' }, body: '{"version":"1.0.0"}' }).then((r) => r.status));
    assert.ok(change === 200 || change === 202, `the dashboard's own change failed: ${change}`);
    const other = await browser.newContext();
    t.after(() => other.close());
    await other.addCookies(planted.map((c) => ({ ...c })));
    const stranger = await other.newPage();
    await stranger.goto(`${world.dashboard}/_opus/`);
    assert.equal(JSON.parse(await stranger.evaluate(() => fetch('/_opus/session').then((r) => r.text()))).loggedIn, false, 'a forged cookie is a session');
  });

  await t.test('5. a service worker of alpha controls only alpha\'s origin', async () => {
    const registered = await attempt(alpha, `const r = await navigator.serviceWorker.register('/sw.js', { scope: '/' }); await navigator.serviceWorker.ready; return r.scope;`);
    assert.equal(registered, `${world.site('alpha')}/`);
    const wide = await attempt(alpha, `await navigator.serviceWorker.register('/sw.js', { scope: ${JSON.stringify(`${world.dashboard}/`)} }); return 'registered';`);
    assert.match(wide, /^blocked/);
    for (const url of [`${world.dashboard}/_opus/`, `${world.site('vault')}/`, `${world.site('1-0-0--vault')}/`]) {
      const page = await context.newPage();
      // Headless Chromium ends a navigation that meets a basic-auth challenge with this error: the vault asked for its password.
      const answer = await page.goto(url).catch((error: Error) => (/ERR_INVALID_AUTH_CREDENTIALS/.test(error.message) ? 'challenged' : Promise.reject(error)));
      if (answer !== 'challenged') assert.ok(!(await page.content()).includes('HIJACKED'), `${url} answered by alpha's worker`);
      if (url.includes('vault')) assert.ok(answer === 'challenged' || answer?.status() === 401, `${url} without credentials`);
      await page.close();
    }
  });

  await t.test('6. the dashboard keeps no token where a script could read it, and a crafted fragment injects nothing', async () => {
    const stored = await dashboard.evaluate<string>('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie');
    assert.ok(!stored.includes(world.token), 'the token is in script-readable storage');
    const page = await context.newPage();
    let dialogs = 0;
    page.on('dialog', (dialog) => void ((dialogs += 1), dialog.dismiss()));
    await page.goto(`${world.dashboard}/_opus/#${encodeURIComponent('<img src=x onerror=alert(1)><script>alert(2)</script>')}`);
    await page.locator('#projects tbody tr').first().waitFor();
    await page.waitForTimeout(500);
    assert.equal(dialogs, 0);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'markup from the fragment was rendered');
    await page.close();
  });
});
