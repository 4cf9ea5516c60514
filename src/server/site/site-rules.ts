// The redirect and header rules of one version of a site: its own _redirects and _headers files
// (Netlify's format) first, then the project's YAML rules. Made once per version and options.
import type { SiteOptions } from '../../domain/desired-state.js';
import { compileHeaderRules, parseHeaders, type CompiledHeaderRule } from '../../domain/header-rules.js';
import { compileRedirects, parseRedirects, type CompiledRedirect } from '../../domain/redirects.js';
import { readConfined } from './confined-read.js';

/** A _headers or _redirects file larger than this is ignored (with a note in `skipped`). */
export const MAX_RULES_FILE_BYTES = 64 * 1024;

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
  const skipped: string[] = [];
  const [redirectsText, headersText] = await Promise.all([rulesFile(root, '_redirects', skipped), rulesFile(root, '_headers', skipped)]);
  const redirects = parseRedirects(redirectsText);
  const headers = parseHeaders(headersText);
  return {
    redirects: compileRedirects([...redirects.rules, ...options.redirects]),
    headers: compileHeaderRules([...headers.rules, ...options.headers]),
    skipped: [...skipped, ...redirects.skipped, ...headers.skipped],
  };
}

/** The file's text through the confined opener; '' when there is none, it is no regular file inside the version, or it is too large. */
async function rulesFile(root: string, name: string, skipped: string[]): Promise<string> {
  const read = await readConfined(root, name, MAX_RULES_FILE_BYTES);
  if (read?.kind === 'too-large') skipped.push(`${name}: ${read.bytes} bytes, more than ${MAX_RULES_FILE_BYTES}: ignored`);
  return read?.kind === 'file' ? read.data.toString('utf8') : '';
}
