// The body formats an outgoing hook can post in: Opus's own signed JSON, or a chat's incoming webhook.
export const HOOK_FORMATS = ['opus', 'slack', 'discord'] as const;
export type HookFormat = (typeof HOOK_FORMATS)[number];
