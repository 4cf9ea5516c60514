// Acting from the dashboard, in real headless Chromium against a real server with real Docker
// builds: deploy a built version and roll back (the same commits the CLI makes, with the API token
// the page asks for), retry and cancel builds; a failed build shows its cause and its log in colour,
// opened at the first error; the page fits a phone (390 px) and a desktop (1280 px) with no
// sideways scroll; the server's root lands on it; times read relative.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually, gitSync, repoRoot } from '../support/fixtures.js';
import { startOpusWorld, type OpusWorld } from '../support/opus-world.js';
import { localFetch, siteOrigin } from '../support/local-fetch.js';

const screenshots = join(repoRoot, 'test-results');
// A failing build that prints in colour, as vite does on a terminal.
const FAILING = 'printf "building...\\n\\033[31merror\\033[39m during build:\\n\\033[1m[UNRESOLVED_IMPORT]\\033[22m Could not resolve ./missing.js\\n" >&2; exit 1';
const SLOW = 'sleep 60; mkdir -p dist';

let w: OpusWorld;
let browser: Browser;

before(async () => {
  w = await startOpusWorld({
    site: { versions: { '1.0.0': { 'public/index.html': 'site 1.0.0\n' }, '1.1.0': { 'public/index.html': 'site 1.1.0\n' } }, deploy: '1.0.0' },
    broken: { versions: { '0.1.0': { 'public/index.html': 'x\n' } }, deploy: '0.1.0', command: FAILING },
    slow: { versions: { '1.0.0': { 'public/index.html': 'slow\n' } }, command: SLOW },
  });
  await w.settle((list) => list.find((p) => p.name === 'site')?.live === '1.0.0' && list.find((p) => p.name === 'broken')?.status === 'failed');
  assert.equal((await w.run('deploy', 'site', '1.1.0', '--wait')).code, 0);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  await mkdir(screenshots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await w?.close();
});

async function open(hash: string, width = 1280): Promise<Page & { problems: string[] }> {
  const page = (await browser.newPage({ viewport: { width, height: 900 } })) as Page & { problems: string[] };
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(error.message));
  await page.goto(`${w.url}/${hash}`);
  await page.locator('#projects tbody tr').first().waitFor();
  return page;
}

const subject = () => gitSync(w.configDir, 'log', '-1', '--format=%s').trim();
// Evaluated in the page (a string: this file is compiled without the DOM's types).
const noSidewaysScroll = (page: Page) => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth') as Promise<boolean>;

test('the server\'s root lands on the dashboard; at 390 px and 1280 px nothing scrolls sideways', async () => {
  const root = await fetch(`${w.url}/`, { redirect: 'manual' });
  assert.equal(root.status, 302);
  assert.equal(root.headers.get('location'), '/_opus/');
  for (const width of [390, 1280]) {
    const page = await open('', width);
    assert.match(page.url(), /\/_opus\/$/);
    assert.ok(await noSidewaysScroll(page), `list at ${width} px`);
    // Nor inside it: every column of the project list is on screen, a version never split over two lines.
    assert.ok(await page.evaluate('(() => { const box = document.querySelector(".projects .scroll"); return box.scrollWidth <= box.clientWidth; })()'), `every column of the list fits at ${width} px`);
    const live = page.locator('#projects tr[data-project="site"] td[data-label="live"] a');
    // 12.5 px type: one line is about 15 px high, two about 30.
    assert.ok(((await live.boundingBox())?.height ?? 99) < 24, `the live version on one line at ${width} px`);
    await page.locator('#projects tr[data-project="site"]').click();
    await page.locator('#d-versions tr[data-version="1.0.0"]').waitFor();
    await page.locator('#d-history tr').nth(1).waitFor();
    assert.ok(await noSidewaysScroll(page), `project at ${width} px`);
    assert.ok(await page.evaluate('(() => { const box = document.querySelector("#d-versions .scroll"); return box.scrollWidth <= box.clientWidth; })()'), `every column of the versions fits at ${width} px`);
    assert.ok(await page.locator('#d-versions tr[data-version="1.0.0"] button[data-action="deploy"]').isVisible(), `Deploy in view at ${width} px`);
    const detail = await page.locator('#detail').innerText();
    assert.doesNotMatch(detail, /\d{4}-\d\d-\d\dT\d\d:/, 'no raw UTC times');
    assert.match(detail, /just now|min ago/);
    await page.screenshot({ path: join(screenshots, `dashboard-${width}.png`), fullPage: true });
    assert.deepEqual(page.problems, []);
    await page.close();
  }
});

test('deploy a built version and roll back from the dashboard: the CLI\'s commits, behind the API token', { timeout: 120_000 }, async () => {
  const page = await open('_opus/#site');
  await page.locator('#d-versions tr[data-version="1.0.0"] button[data-action="deploy"]').click();
  // The server has an API token: the page asks for it, and the action goes through once given.
  await page.locator('#auth').waitFor({ state: 'visible' });
  await page.locator('#token').fill(w.token);
  await page.locator('#auth-form button').click();
  await page.locator('#d-versions tr[data-version="1.0.0"] button[data-action="deploy"]').click();
  await page.locator('#notice', { hasText: /^deploy site 1\.0\.0 \(was 1\.1\.0\) · commit [0-9a-f]{12}$/ }).waitFor();
  assert.equal(subject(), 'deploy site 1.0.0 (was 1.1.0)');
  await eventually(async () => ((await (await localFetch(`${siteOrigin(w.url, 'site')}/`)).text()) === 'site 1.0.0\n' ? true : undefined), 30_000, 'the deploy to go live');

  await page.locator('button[data-action="rollback"]').click();
  await page.locator('#notice', { hasText: 'rollback site to 1.1.0 (was 1.0.0)' }).waitFor();
  assert.equal(subject(), 'rollback site to 1.1.0 (was 1.0.0)');
  await eventually(async () => ((await (await localFetch(`${siteOrigin(w.url, 'site')}/`)).text()) === 'site 1.1.0\n' ? true : undefined), 30_000, 'the rollback to go live');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a failed build shows its cause, its log in colour opened at the first error, and retries; a running build cancels', { timeout: 120_000 }, async () => {
  const page = await open('_opus/#broken');
  // Logged in as the login form does: the token is exchanged for the session cookie.
  await page.evaluate(async (token) => {
    await fetch('/_opus/session', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Opus-Request': 'dashboard' }, body: JSON.stringify({ token }) });
  }, w.token);
  await page.reload();
  await page.locator('#d-head .cause', { hasText: '[UNRESOLVED_IMPORT] Could not resolve ./missing.js' }).waitFor();
  await page.locator('#d-log .ansi-fg-red', { hasText: 'error' }).waitFor();
  assert.equal(await page.locator('#d-log .first-error').count(), 1);
  const log = await page.locator('#d-log').innerText();
  assert.ok(!log.includes(String.fromCharCode(27)), 'no raw escape codes');
  assert.match(log, /^error during build:$/m, 'the coloured line reads as text');
  const before = ((await (await w.api('/api/v1/builds/broken%400.1.0')).json()) as { finishedAt: string }).finishedAt;
  await page.locator('#d-builds button[data-action="retry"]').first().click();
  await eventually(async () => {
    const build = (await (await w.api('/api/v1/builds/broken%400.1.0')).json()) as { status: string; finishedAt?: string };
    return build.status === 'failed' && build.finishedAt !== before ? true : undefined;
  }, 60_000, 'the retried build');

  await page.goto(`${w.url}/_opus/#slow`);
  assert.equal((await w.api('/api/v1/projects/slow/builds', { method: 'POST', body: JSON.stringify({ version: '1.0.0' }), headers: { 'Content-Type': 'application/json' } })).status, 202);
  await page.locator('#d-builds button[data-action="cancel"]').click({ timeout: 30_000 });
  await eventually(async () => (((await (await w.api('/api/v1/builds/slow%401.0.0')).json()) as { status: string }).status === 'cancelled' ? true : undefined), 30_000, 'the cancel');
  await page.locator('#notice', { hasText: /slow@1\.0\.0 cancelled/ }).waitFor();
  assert.doesNotMatch(await page.locator('#notice').innerText(), /commit/, 'a build\'s source commit is not shown as if a config commit');
  // Retried, the build keeps its id: the log shown is the new run's, not the cancelled one's.
  await page.locator('#d-log', { hasText: 'build cancelled' }).waitFor({ timeout: 30_000 });
  await page.locator('#d-builds button[data-action="retry"]').first().click();
  await page.locator('#d-log-state', { hasText: 'following' }).waitFor({ timeout: 30_000 });
  await page.locator('#d-log', { hasText: 'opus: cloning' }).waitFor({ timeout: 30_000 });
  assert.doesNotMatch(await page.locator('#d-log').innerText(), /cancelled/, 'the retried run\'s log, not the one before');
  assert.equal((await w.api('/api/v1/builds/slow%401.0.0', { method: 'DELETE' })).status < 300, true);
  await page.screenshot({ path: join(screenshots, 'dashboard-actions.png'), fullPage: true });
  assert.deepEqual(page.problems, []);
  await page.close();
});
