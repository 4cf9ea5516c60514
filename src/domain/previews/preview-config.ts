// A project's `previews:` as the services use it, with its defaults, and which branches it builds.
// Pure.
import type { BuildSecretRef, PreviewsFile } from '../schema.js';

export interface PreviewSpec {
  pullRequests: boolean;
  /** Branch names or globs whose pushes are previewed. */
  branches: string[];
  forks: boolean;
  /** The label that lets a pull request by an author without write access be built. */
  label: string;
  max: number;
  env: Record<string, string>;
  secrets: Record<string, BuildSecretRef>;
  productionSecrets: boolean;
}

export const PREVIEW_DEFAULTS = { label: 'preview', max: 10 } as const;

export function toPreviewSpec(file: PreviewsFile): PreviewSpec {
  return {
    pullRequests: file.pullRequests ?? true,
    branches: file.branches ?? [],
    forks: file.forks ?? false,
    label: file.label ?? PREVIEW_DEFAULTS.label,
    max: file.max ?? PREVIEW_DEFAULTS.max,
    env: file.env ?? {},
    secrets: file.secrets ?? {},
    productionSecrets: file.productionSecrets ?? false,
  };
}

/** `*` and `?` stay within one path segment, `**` crosses them, as in .gitignore-style globs. */
export function branchMatches(globs: readonly string[], branch: string): boolean {
  return globs.some((glob) => globRegExp(glob).test(branch));
}

function globRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i += 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
