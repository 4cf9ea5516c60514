import { Args } from '@oclif/core';
import type { DeliveryView } from '../../domain/hook-deliveries.js';
import { ApiCommand } from '../../cli/api-command.js';

export default class HooksRedeliver extends ApiCommand {
  static override description = `Send an outgoing hook delivery again: a new series of attempts with the same body and delivery id (X-Opus-Delivery),
to the hook's current URL and secret. Works for any delivery; it goes out before the hook's later pending ones.`;
  static override examples = ['<%= config.bin %> hooks redeliver 1b4e28ba-2fa1-11d2-883f-0016d3cca427'];
  static override args = { id: Args.string({ required: true, description: 'The delivery id (opus hooks deliveries shows it)' }) };

  async run(): Promise<DeliveryView> {
    const { args, flags } = await this.parse(HooksRedeliver);
    const delivery = await this.client(flags).post<DeliveryView>(`/hooks/deliveries/${encodeURIComponent(args.id)}/redeliver`);
    this.log(`redelivering ${delivery.id} (${delivery.event}) to ${delivery.hookName ?? delivery.hook}`);
    return delivery;
  }
}
