// The git hosts whose webhooks Opus reads. Pure.

export type WebhookProvider = 'github' | 'gitea' | 'gitlab';
export const WEBHOOK_PROVIDERS: readonly WebhookProvider[] = ['github', 'gitea', 'gitlab'];
