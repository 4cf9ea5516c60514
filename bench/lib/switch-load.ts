// Page loads under switching: concurrent keep-alive loops each fetch the site's index.html, read
// its version marker and the JS it references, fetch that JS and check it is of the same version.
// Used by bench/serve.ts (in a worker thread) and by test/integration/switch-under-load.test.ts.
import { Agent, request } from 'node:http';
import { jsMarker, readIndex } from './site-fixture.js';

export interface LoadOptions {
  /** The site's URL, ending in "/", e.g. http://127.0.0.1:8080/site/ */
  siteUrl: string;
  concurrency: number;
  /** Markers of the versions that may be live; anything else is a wrong response. */
  markers: string[];
  /**
   * A counter the switcher bumps before and after each switch (odd while one is under way). It
   * tells a 404 of a page's JS that raced a switch from any other failure.
   */
  switchGeneration?: () => number;
}

export interface LoadResult {
  /** HTTP requests made (pages and their JS). */
  requests: number;
  pages: number;
  /** Requests with a network error or a status other than 200. */
  failed: number;
  /**
   * Of `failed`: 404s of the JS a page references, where a switch happened between the page's
   * response and the JS's response (the page's version was no longer live; its JS is not in the new one).
   */
  staleAfterSwitch: number;
  /** Page loads whose JS is of another version than their HTML. */
  mixed: number;
  /** Responses whose marker is of no known version (or missing). */
  wrong: number;
  /** Pages seen per marker. */
  byMarker: Record<string, number>;
  /** The first few problems, for the report. */
  samples: string[];
  durationMs: number;
}

interface Response {
  status: number;
  body: string;
}

function get(agent: Agent, url: URL): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs page loads on `concurrency` loops until `stop` resolves; then returns the counts. */
export async function runPageLoads(options: LoadOptions, stop: Promise<unknown>): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const known = new Set(options.markers);
  const result: LoadResult = { requests: 0, pages: 0, failed: 0, staleAfterSwitch: 0, mixed: 0, wrong: 0, byMarker: {}, samples: [], durationMs: 0 };
  const note = (problem: string) => {
    if (result.samples.length < 10) result.samples.push(problem);
  };
  let stopped = false;
  void stop.then(() => (stopped = true));
  const base = new URL(options.siteUrl);
  const started = Date.now();

  const generation = options.switchGeneration ?? (() => 0);
  /** `pageGeneration`: the switch generation when the page referencing this URL was requested. */
  const fetchCounted = async (url: URL, pageGeneration?: number): Promise<Response | undefined> => {
    result.requests += 1;
    try {
      const res = await get(agent, url);
      if (res.status !== 200) {
        result.failed += 1;
        const now = generation();
        const raced = pageGeneration !== undefined && (now !== pageGeneration || now % 2 === 1);
        if (raced && res.status === 404) result.staleAfterSwitch += 1;
        else note(`GET ${url.pathname} → ${res.status}`);
        return undefined;
      }
      return res;
    } catch (error) {
      result.failed += 1;
      note(`GET ${url.pathname} → ${String(error)}`);
      return undefined;
    }
  };

  const loop = async () => {
    while (!stopped) {
      // Taken before the page is asked for: the window [page request, JS response] covers every
      // moment at which the server could have served the page and then switched.
      const pageGeneration = generation();
      const page = await fetchCounted(base);
      if (!page) continue;
      result.pages += 1;
      const { marker, script } = readIndex(page.body);
      if (!marker || !known.has(marker) || !script) {
        result.wrong += 1;
        note(`page with marker ${marker ?? 'none'} and script ${script ?? 'none'}`);
        continue;
      }
      result.byMarker[marker] = (result.byMarker[marker] ?? 0) + 1;
      const js = await fetchCounted(new URL(script, base), pageGeneration);
      if (!js) continue;
      const seen = jsMarker(js.body);
      if (!seen || !known.has(seen)) {
        result.wrong += 1;
        note(`JS ${script} with marker ${seen ?? 'none'}`);
      } else if (seen !== marker) {
        result.mixed += 1;
        note(`page ${marker} got JS of ${seen}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  result.durationMs = Date.now() - started;
  agent.destroy();
  return result;
}
