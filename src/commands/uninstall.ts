import { Flags } from '@oclif/core';
import { kubeFlags } from '../cli/install-flags.js';
import { OpusCommand } from '../cli/opus-command.js';
import { describeRef, type ObjectRef } from '../domain/k8s/install-plan.js';

export default class Uninstall extends OpusCommand {
  static override description = `Remove what \`opus install\` made (found by its labels), and the build Jobs and Leases of the server.
The data volume, and the namespace when Opus made it, are kept unless --delete-data.`;
  static override examples = ['<%= config.bin %> uninstall', '<%= config.bin %> uninstall --namespace opus --delete-data'];
  static override enableJsonFlag = true;
  static override flags = {
    ...kubeFlags,
    'delete-data': Flags.boolean({ default: false, description: 'Delete the data volume (every built version and build log) and the namespace Opus made' }),
  };

  async run(): Promise<{ context: string; namespace: string; deleted: ObjectRef[]; kept: ObjectRef[] }> {
    const { flags } = await this.parse(Uninstall);
    const { uninstallFromCluster } = await import('../runtime/cluster-install.js'); // when run: see commands/server.ts
    const { context, ...result } = await uninstallFromCluster(flags.context, flags.namespace, flags['delete-data']);
    const lines = [...result.deleted.map((r) => `deleted    ${describeRef(r)}`), ...result.kept.map((r) => `kept       ${describeRef(r)}`)];
    if (result.deleted.length === 0) lines.unshift(`nothing of Opus found in namespace ${flags.namespace} of the context ${context}`);
    if (result.kept.length > 0) lines.push('', 'The data is kept: opus install brings the server back with it; --delete-data removes it for good.');
    this.log(lines.join('\n'));
    return { context, namespace: flags.namespace, ...result };
  }
}
