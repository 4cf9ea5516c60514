// The dashboard in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core)
// against a real server that really builds in Docker: it lists a built project with its versions
// and deploy history, and follows the log of a build while it runs. Screenshots go to test-results/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../support/fixtures.js';
import { startOpusWorld, type OpusWorld } from '../support/opus-world.js';
import { localFetch } from '../support/local-fetch.js';

const SLOW_BUILD = 'for i in 1 2 3 4 5 6; do echo "line $i"; sleep 1; done; mkdir -p dist && cp -r public/. dist/';
const screenshots = join(repoRoot, 'test-results');

let w: OpusWorld;
let browser: Browser;

before(async () => {
  w = await startOpusWorld({
    site: { versions: { '1.0.0': { 'public/index.html': 'site 1.0.0\n' }, '1.1.0': { 'public/index.html': 'site 1.1.0\n' } }, deploy: '1.0.0' },
    'web-app': { versions: { '2.0.0': { 'public/index.html': 'web 2.0.0\n', 'public/app.js': 'x\n' } }, deploy: '2.0.0' },
    docs: { versions: { '0.9.0': { 'public/index.html': 'docs\n' } } },
  });
  await w.settle();
  assert.equal((await w.run('deploy', 'site', '1.1.0')).code, 0);
  await w.settle((list) => list.find((p) => p.name === 'site')?.live === '1.1.0');
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await mkdir(screenshots, { recursive: true });
});

after(async () => {
  await browser?.close();
  await w?.close();
});

async function openDashboard(hash = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(`${w.url}/_opus/${hash}`);
  await page.locator('#projects tbody tr').first().waitFor();
  (page as Page & { problems: string[] }).problems = problems;
  return page;
}

test('the dashboard lists every project with live and desired versions and status, and shows a project in full', async () => {
  const page = await openDashboard();
  const row = (name: string) => page.locator(`#projects tr[data-project="${name}"]`);
  assert.deepEqual(await row('site').locator('td').allInnerTexts().then((cells) => cells.slice(0, 4)), ['site', 'synced', '1.1.0', '1.1.0']);
  assert.deepEqual(await row('web-app').locator('td').allInnerTexts().then((cells) => cells.slice(0, 4)), ['web-app', 'synced', '2.0.0', '2.0.0']);
  assert.deepEqual(await row('docs').locator('td').allInnerTexts().then((cells) => cells.slice(0, 4)), ['docs', 'not deployed', '–', '–']);
  const summary = await page.locator('#summary').innerText();
  assert.match(summary, /^3 projects/);
  assert.match(summary, /· 2 synced/);
  assert.match(summary, /· 1 not deployed/);

  await row('site').click();
  await page.locator('#d-versions tr[data-version="1.0.0"]').waitFor();
  assert.match(await page.locator('#d-versions tr[data-version="1.1.0"]').innerText(), /1\.1\.0\s*LIVE/);
  const preview = await page.locator('#d-versions tr[data-version="1.0.0"] a', { hasText: 'preview' }).getAttribute('href');
  assert.equal(preview, w.siteUrl('1-0-0--site'));
  assert.equal(await (await localFetch(preview as string)).text(), 'site 1.0.0\n');
  assert.match(await page.locator('#d-history').innerText(), /deploy 1\.0\.0 → 1\.1\.0[\s\S]*added at 1\.0\.0/);
  await page.locator('#d-log').filter({ hasText: 'opus: published' }).waitFor();
  assert.match(await page.locator('#d-builds').innerText(), /succeeded\s+1\.1\.0/);

  await page.locator('#filter').fill('web-*');
  assert.deepEqual(await page.locator('#projects tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-project'))), ['web-app']);
  await page.locator('#filter').fill('');
  await page.screenshot({ path: join(screenshots, 'dashboard.png'), fullPage: true });
  assert.deepEqual((page as Page & { problems: string[] }).problems, []);
  await page.close();
});

test('the dashboard follows the log of a running build line by line', async () => {
  const added = await w.run('add', 'slow', w.sources.site as string, '--image', 'node:20', '--command', SLOW_BUILD, '--deploy', '1.0.0');
  assert.equal(added.code, 0, added.stderr);
  const page = await openDashboard('#slow');
  await w.api('/api/v1/sync', { method: 'POST' });

  const log = page.locator('#d-log');
  await log.filter({ hasText: 'line 2' }).waitFor({ timeout: 60_000 });
  // The log is shown while the build still runs: the server says so, and later lines are still to come.
  const { status } = (await (await w.api('/api/v1/projects/slow')).json()) as { status: string };
  assert.equal(status, 'building');
  assert.doesNotMatch(await log.innerText(), /line 6/);
  assert.match(await page.locator('#d-log-state').innerText(), /following/);
  await page.screenshot({ path: join(screenshots, 'dashboard-build-log.png'), fullPage: true });

  await log.filter({ hasText: 'line 6' }).waitFor({ timeout: 60_000 });
  await page.locator('#projects tr[data-project="slow"]', { hasText: 'synced' }).waitFor({ timeout: 30_000 });
  const text = await log.innerText();
  assert.ok(text.indexOf('line 1') < text.indexOf('line 6'));
  assert.equal((text.match(/^line 3$/gm) ?? []).length, 1, 'each line once');
  assert.deepEqual((page as Page & { problems: string[] }).problems, []);
  await page.close();
});

test('the dashboard files are served with strict headers and revalidate', async () => {
  const page = await fetch(`${w.url}/_opus/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const etag = page.headers.get('etag') ?? '';
  assert.equal((await fetch(`${w.url}/_opus/`, { headers: { 'If-None-Match': etag } })).status, 304);
  assert.equal((await fetch(`${w.url}/_opus/app.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal((await fetch(`${w.url}/_opus`, { redirect: 'manual' })).headers.get('location'), '/_opus/');
  assert.equal((await fetch(`${w.url}/_opus/nope.js`)).status, 404);
});
