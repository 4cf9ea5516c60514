// Outgoing hooks in a chat's own incoming-webhook format: `format: slack` posts Slack's
// `{ text, blocks }` (https://api.slack.com/messaging/webhooks), `format: discord` posts Discord's
// `{ content, embeds }` (https://discord.com/developers/docs/resources/webhook#execute-webhook).
// Pure: the documented Opus body in, the chat's body out.
import type { HookFormat } from './hook-format.js';
import type { HookPayload } from './hooks.js';

const COLOURS = { good: 0x12805c, bad: 0xb42318, info: 0x3557d4 } as const;

/** One sentence a person reads in a channel, and whether it is good or bad news. */
export function describeEvent(p: HookPayload): { text: string; tone: keyof typeof COLOURS } {
  const id = p.project && p.version ? `${p.project} ${p.version}` : (p.project ?? 'opus');
  const why = p.message ? `: ${p.message}` : '';
  switch (p.event) {
    case 'deploy.succeeded':
      return { text: `${id} is live${p.previousVersion ? ` (was ${p.previousVersion})` : ''}`, tone: 'good' };
    case 'rollback':
      return { text: `${p.project ?? ''} rolled back to ${p.version ?? '?'}${p.previousVersion ? ` (was ${p.previousVersion})` : ''}`, tone: 'info' };
    case 'deploy.failed':
      return { text: `${id} did not go live${why}${p.previousVersion ? ` (${p.previousVersion} keeps serving)` : ''}`, tone: 'bad' };
    case 'build.failed':
      return { text: `build of ${id} failed${why}`, tone: 'bad' };
    case 'build.succeeded':
      return { text: `build of ${id} succeeded${p.durationMs === null ? '' : ` in ${Math.round(p.durationMs / 1000)} s`}`, tone: 'good' };
    case 'build.cancelled':
      return { text: `build of ${id} was cancelled`, tone: 'info' };
    case 'config.invalid':
      return { text: `the config repo has ${p.problems?.length ?? 0} problem(s)${p.problems?.[0] ? `: ${p.problems[0].file} ${p.problems[0].path}: ${p.problems[0].message}` : ''}`, tone: 'bad' };
    case 'sync.failed':
      return { text: `sync failed${why}`, tone: 'bad' };
    default:
      return { text: `${p.event} ${id}`, tone: 'info' };
  }
}

/** The link a message points at: the build for build events, else the site. */
function linkOf(p: HookPayload): string | null {
  return p.event.startsWith('build.') || p.event === 'deploy.failed' ? p.urls.build : p.urls.site;
}

/** Slack's mrkdwn and Discord's markdown treat these as markup; a project's text must not. */
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const discordEscape = (text: string) => text.replace(/([\\*_~`|[\]@#])/g, '\\$1');

export function chatBody(format: Exclude<HookFormat, 'opus'>, p: HookPayload): Record<string, unknown> {
  const { text, tone } = describeEvent(p);
  const link = linkOf(p);
  if (format === 'slack') {
    const line = `${slackEscape(text)}${link ? ` <${link}|open>` : ''}`;
    return { text: `Opus: ${text}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: line } }] };
  }
  return {
    content: `Opus: ${discordEscape(text)}`,
    allowed_mentions: { parse: [] },
    embeds: [{ title: p.event, description: discordEscape(text), color: COLOURS[tone], timestamp: p.at, ...(link ? { url: link } : {}) }],
  };
}
