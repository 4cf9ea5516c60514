// The redirect and header rules of one version of a site: its own _redirects and _headers files
// (Netlify's format) first, then the project's YAML rules. Made once per version and options.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SiteOptions } from '../../domain/desired-state.js';
import { compileHeaderRules, parseHeaders, type CompiledHeaderRule } from '../../domain/header-rules.js';
import { compileRedirects, parseRedirects, type CompiledRedirect } from '../../domain/redirects.js';

export interface SiteRules {
  redirects: CompiledRedirect[];
  headers: CompiledHeaderRule[];
  skipped: string[];
}

export class SiteRulesCache {
  private readonly cache = new Map<string, Promise<SiteRules>>();

  forget(root: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${root}\0`)) this.cache.delete(key);
  }

  get(root: string, options: SiteOptions): Promise<SiteRules> {
    const key = `${root}\0${JSON.stringify([options.redirects, options.headers])}`;
    let rules = this.cache.get(key);
    if (!rules) {
      rules = load(root, options);
      this.cache.set(key, rules);
      if (this.cache.size > 1000) this.cache.delete(this.cache.keys().next().value as string);
    }
    return rules;
  }
}

async function load(root: string, options: SiteOptions): Promise<SiteRules> {
  const [redirectsText, headersText] = await Promise.all([readOptional(join(root, '_redirects')), readOptional(join(root, '_headers'))]);
  const redirects = parseRedirects(redirectsText);
  const headers = parseHeaders(headersText);
  return {
    redirects: compileRedirects([...redirects.rules, ...options.redirects]),
    headers: compileHeaderRules([...headers.rules, ...options.headers]),
    skipped: [...redirects.skipped, ...headers.skipped],
  };
}

function readOptional(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}
