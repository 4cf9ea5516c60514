// The live version switched 100 times while keep-alive clients load pages: each page load fetches
// /site/ and then the JS its HTML references, on a real listening server over a real artifact store.
// No response may be of neither version, and no page may get the JS of another version than its
// HTML, and no request may fail: a page whose version stopped being live before its JS was asked
// for still gets that JS (hashed assets of recently live versions stay reachable).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import { before, after, describe, test } from 'node:test';
import { tempDir } from '../support/fixtures.js';
import { siteOptions, startSiteServer, type SiteServer } from '../support/site-server.js';

const SWITCHES = 100;
const CLIENTS = 10;
const VERSIONS = [
  { version: '1.0.0', marker: 'A' },
  { version: '2.0.0', marker: 'B' },
] as const;
/** One options object for every switch, as when only the version changes: caches keyed by it cannot hide a stale answer. */
const OPTIONS = siteOptions();

interface Built {
  html: string;
  jsPath: string;
  js: string;
}

/** A Vite-like build: index.html with the marker, referencing a hashed JS that carries it too. */
function build(marker: string): Built {
  const js = `const OPUS_TEST_VERSION="${marker}";\n${Array.from({ length: 200 }, (_, i) => `export function f${i}_${marker}(a,b){return a.map((x)=>x*b+${i})}`).join('\n')}\n`;
  const jsPath = `assets/index-${createHash('sha256').update(js).digest('hex').slice(0, 8)}.js`;
  const html = `<!doctype html>\n<html><head><script type="module" crossorigin src="./${jsPath}"></script></head><body data-version="${marker}"><div id="root"></div></body></html>\n`;
  return { html, jsPath, js };
}

interface Outcome {
  requests: number;
  pages: number;
  /** Requests that failed for any reason (network error or a status other than 200). */
  failed: number;
  /** Of `failed`: a page's JS answered 404 after a switch made the page's version not live. */
  staleAfterSwitch: number;
  /** Page loads whose JS is of another version than the HTML. */
  mixed: number;
  /** Responses that are not exactly one version's file. */
  wrong: number;
  seen: Set<string>;
  switches: number;
  switchingMs: number;
  problems: string[];
}

function get(agent: Agent, url: URL): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Page loads on CLIENTS keep-alive loops while the live version is switched SWITCHES times. */
async function switchUnderLoad(server: SiteServer, builds: Map<string, Built>): Promise<Outcome> {
  const outcome: Outcome = { requests: 0, pages: 0, failed: 0, staleAfterSwitch: 0, mixed: 0, wrong: 0, seen: new Set(), switches: 0, switchingMs: 0, problems: [] };
  const problem = (text: string) => outcome.problems.length < 10 && outcome.problems.push(text);
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const base = new URL(`${server.url}/site/`);
  const byHtml = new Map([...builds].map(([marker, b]) => [b.html, marker]));
  const byJsPath = new Map([...builds].map(([marker, b]) => [b.jsPath, marker]));
  // Odd while a switch is under way; a page load that saw it change may have had its JS removed.
  let generation = 0;
  let stopped = false;

  const fetchCounted = async (url: URL) => {
    outcome.requests += 1;
    try {
      return await get(agent, url);
    } catch (error) {
      outcome.failed += 1;
      problem(`GET ${url.pathname}: ${String(error)}`);
      return undefined;
    }
  };

  const client = async () => {
    while (!stopped) {
      const atStart = generation;
      const page = await fetchCounted(base);
      if (!page) continue;
      if (page.status !== 200) {
        outcome.failed += 1;
        problem(`GET /site/ → ${page.status}`);
        continue;
      }
      outcome.pages += 1;
      const marker = byHtml.get(page.body);
      const jsPath = /src="\.\/([^"]+)"/.exec(page.body)?.[1];
      if (!marker || !jsPath) {
        outcome.wrong += 1;
        problem(`a page that is no version's index.html: ${page.body.slice(0, 80)}`);
        continue;
      }
      outcome.seen.add(marker);
      const js = await fetchCounted(new URL(jsPath, base));
      if (!js) continue;
      if (js.status !== 200) {
        outcome.failed += 1;
        const raced = generation !== atStart || generation % 2 === 1;
        if (raced && js.status === 404) outcome.staleAfterSwitch += 1;
        else problem(`GET /site/${jsPath} of page ${marker} → ${js.status} with no switch in between`);
        continue;
      }
      const jsMarker = byJsPath.get(jsPath);
      if (jsMarker === undefined || js.body !== builds.get(jsMarker)?.js) {
        outcome.wrong += 1;
        problem(`GET /site/${jsPath} answered bytes of no version`);
      } else if (jsMarker !== marker) {
        outcome.mixed += 1;
        problem(`page ${marker} got the JS of ${jsMarker}`);
      }
    }
  };

  const clients = Array.from({ length: CLIENTS }, client);
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    for (let i = 1; i <= SWITCHES; i++) {
      const { version } = VERSIONS[i % VERSIONS.length] as { version: string };
      generation += 1;
      await server.sites.set('site', { version, domains: [], site: OPTIONS });
      generation += 1;
      outcome.switches += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    outcome.switchingMs = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    stopped = true;
    await Promise.all(clients);
    agent.destroy();
  }
  return outcome;
}

describe('switching the live version under load', { timeout: 15_000 }, () => {
  let outcome: Outcome;
  let server: SiteServer | undefined;

  before(async () => {
    const root = await tempDir({ after }, 'opus-switch-');
    server = await startSiteServer(root);
    const builds = new Map<string, Built>();
    for (const { version, marker } of VERSIONS) {
      const built = build(marker);
      builds.set(marker, built);
      await server.publish('site', version, { 'index.html': built.html, [built.jsPath]: built.js });
    }
    await server.sites.set('site', { version: VERSIONS[0].version, domains: [], site: OPTIONS });
    outcome = await switchUnderLoad(server, builds);
  });

  after(() => server?.close());

  test(`${SWITCHES} switches under ${CLIENTS} keep-alive clients: every page and its JS are of one version`, (t) => {
    t.diagnostic(`${outcome.requests} requests, ${outcome.pages} page loads, ${outcome.switches} switches in ${outcome.switchingMs} ms; failed ${outcome.failed} (${outcome.staleAfterSwitch} a page's JS after a switch), mixed ${outcome.mixed}, wrong ${outcome.wrong}`);
    assert.equal(outcome.switches, SWITCHES);
    assert.ok(outcome.pages >= 200, `only ${outcome.pages} page loads: the load did not overlap the switches`);
    assert.deepEqual([...outcome.seen].sort(), ['A', 'B'], 'both versions were served');
    assert.equal(outcome.mixed, 0, `pages with the JS of another version: ${outcome.problems.join('; ')}`);
    assert.equal(outcome.wrong, 0, `responses of no version: ${outcome.problems.join('; ')}`);
    assert.equal(outcome.failed - outcome.staleAfterSwitch, 0, `failed requests not explained by a switch: ${outcome.problems.join('; ')}`);
  });

  test('no request fails, including the JS of a page loaded just before a switch', () => {
    assert.equal(outcome.failed, 0, `${outcome.failed} of ${outcome.requests} requests failed (${outcome.staleAfterSwitch} were a page's JS after a switch): ${outcome.problems.join('; ')}`);
  });
});
