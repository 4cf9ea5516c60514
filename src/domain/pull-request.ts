// What a pull request made by `opus <edit> --pr` says: a branch name, a title (the commit message)
// and a body that tells the reviewer what changes and what Opus will do once it is merged. Pure.

export type ConfigChange =
  | { kind: 'add'; project: string; source: string; image: string; command: string; output: string; deploy?: string; resolved?: string }
  | { kind: 'remove'; project: string; deployed?: string }
  | { kind: 'deploy' | 'rollback'; project: string; source: string; to: string; from?: string; resolved?: string };

export interface PullRequestText {
  branch: string;
  title: string;
  body: string;
}

const FOOTER = '\n\n---\nOpened by `opus` from the config repo. Merging it is the deploy: the Opus server picks the change up at its next sync (or at once, with a push webhook).';

export function branchName(change: ConfigChange): string {
  const version = change.kind === 'deploy' || change.kind === 'rollback' ? change.to : change.kind === 'add' ? change.deploy : undefined;
  return `opus/${change.kind}-${change.project}${version ? `-${version}` : ''}`.replace(/[^A-Za-z0-9._+/-]/g, '-');
}

/** The title is the commit message, so the merged history reads the same either way. */
export function pullRequestText(change: ConfigChange, commitMessage: string): PullRequestText {
  return { branch: branchName(change), title: commitMessage, body: `${describe(change)}${FOOTER}` };
}

function describe(change: ConfigChange): string {
  const p = change.project;
  switch (change.kind) {
    case 'add': {
      const lines = [
        `Adds the project **${p}** (\`projects/${p}.yaml\`).`,
        '',
        `- source: ${change.source}`,
        `- build: \`${change.command}\` in \`${change.image}\`, serving \`${change.output}/\``,
      ];
      if (!change.deploy) lines.push('', `Nothing is deployed yet: nothing is built or served until a version is deployed (\`opus deploy ${p} <version>\`).`);
      else lines.push('', `When merged, Opus builds **${p}@${versionText(change.deploy, change.resolved)}** and serves it at \`/${p}/\` once the build succeeds.`);
      return lines.join('\n');
    }
    case 'remove':
      return [
        `Removes the project **${p}** (deletes \`projects/${p}.yaml\`).`,
        '',
        `When merged, Opus stops serving ${p}${change.deployed ? ` (now at ${change.deployed})` : ''} at its next sync. Its built versions stay in the artifact tree until removed with \`opus artifacts remove\`.`,
      ].join('\n');
    default: {
      const verb = change.kind === 'rollback' ? 'Rolls back' : 'Deploys';
      const to = versionText(change.to, change.resolved);
      return [
        `${verb} **${p}** ${change.from ? `from **${change.from}** ` : ''}to **${to}**.`,
        '',
        `| | version |`,
        `|---|---|`,
        `| live now (desired) | ${change.from ?? '—'} |`,
        `| after merge | ${to} |`,
        '',
        `When merged, Opus builds ${p}@${change.resolved ?? change.to} from ${change.source} unless it is already built, then switches \`/${p}/\` to it in one step.`,
        change.from
          ? `Until the build succeeds, ${change.from} keeps being served; if it fails, ${change.from} stays live.`
          : 'Until the build succeeds, nothing is served for this project.',
      ].join('\n');
    }
  }
}

function versionText(version: string, resolved: string | undefined): string {
  return version === 'latest' && resolved ? `latest (${resolved} now)` : version;
}
