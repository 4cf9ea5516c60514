// The race behind a flaky switch-under-load: a page's hashed JS asked for just after a switch, and a
// second switch landing while the server still looks for that file on disk (the first look at a
// name is real I/O). The answer must rest on the pointer the request was routed by, never on the
// table as it is after the wait: each round uses a name never asked for before, so every round has
// that I/O window, on a real listening server over a real artifact store.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import { test, type TestContext } from 'node:test';
import { tempDir } from '../support/fixtures.js';
import { siteOptions, startSiteServer, type SiteServer } from '../support/site-server.js';

const ROUNDS = 300;
const OPTIONS = siteOptions();
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Vite-like: eight characters of letters and digits (a hash of digits alone does not count as one). */
const hashed = (text: string) => `assets/chunk-X${createHash('sha256').update(text).digest('hex').slice(0, 7)}.js`;

async function setup(t: TestContext): Promise<{ server: SiteServer; assets: string[] }> {
  const server = await startSiteServer(await tempDir(t, 'opus-switch-read-'));
  t.after(async () => {
    agent.destroy();
    await server.close();
  });
  const assets: string[] = [];
  const one: Record<string, string> = { 'index.html': 'one' };
  for (let i = 0; i < ROUNDS; i++) {
    const js = `export const chunk = ${i};`;
    assets.push(hashed(js));
    one[hashed(js)] = js;
  }
  await server.publish('site', '1.0.0', one);
  await server.publish('site', '2.0.0', { 'index.html': 'two' });
  await server.sites.set('site', { version: '1.0.0', domains: [], site: OPTIONS });
  return { server, assets };
}

function status(server: SiteServer, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

test(`${ROUNDS} rounds: 1.0.0's chunk asked for under 2.0.0 while 1.0.0 goes live again is always served`, async (t) => {
  const { server, assets } = await setup(t);
  const failed: string[] = [];
  // The switch back to 1.0.0 lands the moment the request has been routed (to 2.0.0), while the
  // server looks for the name in 2.0.0: the in-memory switch a mirroring replica makes when it
  // adopts the shared pointers (SiteTable.adopt), timed by the server's own routing.
  const { sites } = server;
  const pointer = sites.pointer.bind(sites);
  let armed = false;
  sites.pointer = (project) => {
    const found = pointer(project);
    if (armed) {
      armed = false;
      const now = new Date().toISOString();
      queueMicrotask(() => sites.adopt({ site: { version: '1.0.0', since: now, domains: [], site: OPTIONS, previous: [{ version: '2.0.0', until: now }] } }));
    }
    return found;
  };
  for (const asset of assets) {
    await sites.set('site', { version: '2.0.0', domains: [], site: OPTIONS });
    armed = true;
    const code = await status(server, `/site/${asset}`);
    if (code !== 200) failed.push(`${asset} → ${code}`);
  }
  assert.deepEqual(failed, [], `${failed.length} of ${ROUNDS} failed`);
});
