import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Flags } from '@oclif/core';
import { ApiClient, loginFile } from '../cli/api-client.js';
import { OpusCommand } from '../cli/opus-command.js';

export default class Login extends OpusCommand {
  static override description = 'Save the server URL and API token that the other commands use (in ~/.config/opus/cli.json, readable only by you).';
  static override examples = ['<%= config.bin %> login --server https://opus.example.com --token "$OPUS_TOKEN"'];
  static override enableJsonFlag = true;
  static override flags = {
    server: Flags.string({ required: true, description: 'URL of the Opus server' }),
    token: Flags.string({ description: 'API token (the server\'s OPUS_API_TOKEN)' }),
  };

  async run(): Promise<{ server: string; file: string }> {
    const { flags } = await this.parse(Login);
    const client = new ApiClient({ server: flags.server, token: flags.token });
    await client.get('/projects');
    const file = loginFile();
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify({ server: client.server, ...(flags.token ? { token: flags.token } : {}) }, null, 2)}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    this.log(`logged in to ${client.server}; saved in ${file}`);
    return { server: client.server, file };
  }
}
