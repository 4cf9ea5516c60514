import { Flags } from '@oclif/core';
import type { DeliveryView } from '../../domain/hook-deliveries.js';
import { ApiCommand } from '../../cli/api-command.js';
import { formatAgo, formatTable } from '../../cli/format.js';

export default class HooksDeliveries extends ApiCommand {
  static override description = `List recent outgoing hook deliveries, newest first: event, status (pending, delivered, failed = given up), attempts, last answer.
Redeliver one with: opus hooks redeliver <id>.`;
  static override examples = ['<%= config.bin %> hooks deliveries', '<%= config.bin %> hooks deliveries --hook chat --status failed', '<%= config.bin %> hooks deliveries --json'];
  static override flags = {
    hook: Flags.string({ description: 'Only this hook (its name or id)' }),
    status: Flags.string({ options: ['pending', 'delivered', 'failed'], description: 'Only deliveries with this status' }),
    limit: Flags.integer({ min: 1, max: 1000, default: 50, description: 'At most this many' }),
  };

  async run(): Promise<{ deliveries: DeliveryView[] }> {
    const { flags } = await this.parse(HooksDeliveries);
    const query = new URLSearchParams({ limit: String(flags.limit), ...(flags.hook ? { hook: flags.hook } : {}), ...(flags.status ? { status: flags.status } : {}) });
    const result = await this.client(flags).get<{ deliveries: DeliveryView[] }>(`/hooks/deliveries?${query.toString()}`);
    if (result.deliveries.length === 0) {
      this.log(flags.hook || flags.status ? 'no delivery matches' : 'no hook deliveries yet (hooks are set in opus.yaml under hooks:)');
      return result;
    }
    const rows = result.deliveries.map((d) => [
      d.id,
      d.hookName ?? d.hook,
      d.event,
      d.project ? `${d.project}${d.version ? `@${d.version}` : ''}` : '-',
      d.status,
      String(d.attempts),
      d.lastStatus === undefined ? (d.lastError ? 'error' : '-') : String(d.lastStatus),
      formatAgo(d.createdAt),
    ]);
    this.log(formatTable(['id', 'hook', 'event', 'project@version', 'status', 'attempts', 'last code', 'time'], rows));
    return result;
  }
}
