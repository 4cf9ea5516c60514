// A branch name as a DNS label, the way Cloudflare Pages makes its branch aliases: lowercased,
// every character but a-z, 0-9 and "-" made "-", "-" trimmed from both ends, at most 28
// characters (trimmed again, so the label never ends in "-"). A name with nothing usable gets
// "branch-" and 10 characters of its hash (Cloudflare picks them at random; a hash keeps the
// alias the same at every push). Pure.
import { createHash } from 'node:crypto';

export const MAX_BRANCH_LABEL = 28;

export function branchLabel(branch: string): string {
  const label = trimDashes(trimDashes(branch.toLowerCase().replace(/[^a-z0-9-]/g, '-')).slice(0, MAX_BRANCH_LABEL));
  return label || `branch-${createHash('sha256').update(branch).digest('hex').slice(0, 10)}`;
}

function trimDashes(text: string): string {
  return text.replace(/^-+|-+$/g, '');
}
