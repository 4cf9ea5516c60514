// A real ACME server on loopback for the HTTPS tests: Debian's pebble, with pebble-challtestsrv as
// its DNS answering 127.0.0.1 for every name, so HTTP-01 validation connects to Opus's own HTTP
// port on this machine. Nothing leaves the machine. pebble ships no listener certificate: one is
// made here with openssl. Its root CA (regenerated at each start) is read from the management port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'node:https';
import { makeCa, makeLeaf } from './test-certificates.js';
import { freePort } from './free-port.js';

export interface Pebble {
  directoryUrl: string;
  /** PEM the directory's own HTTPS is signed with (for the ACME client). */
  listenerCa: string;
  /** PEM of the root that signs issued certificates (for curl and Chromium). */
  rootCa(): Promise<string>;
  close(): Promise<void>;
}

export interface PebbleOptions {
  /** Where HTTP-01 validation connects on 127.0.0.1: Opus's HTTP port. */
  httpPort: number;
  /** Lifetime of issued certificates (pebble's certificateValidityPeriod); default pebble's (5 years). */
  validitySeconds?: number;
  /** Extra environment, e.g. PEBBLE_VA_ALWAYS_VALID. */
  env?: Record<string, string>;
}

export async function startPebble(dir: string, options: PebbleOptions): Promise<Pebble> {
  await mkdir(dir, { recursive: true });
  const ca = await makeCa(dir);
  await makeLeaf(ca, dir, 'listener', ['localhost', '127.0.0.1']);
  const [acmePort, managementPort, dnsPort, dnsManagementPort, tlsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${acmePort}`,
      managementListenAddress: `127.0.0.1:${managementPort}`,
      certificate: join(dir, 'listener.crt'),
      privateKey: join(dir, 'listener.key'),
      httpPort: options.httpPort,
      tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
      ...(options.validitySeconds ? { certificateValidityPeriod: options.validitySeconds } : {}),
    },
  };
  await writeFile(join(dir, 'pebble.json'), JSON.stringify(config));
  const processes: ChildProcess[] = [];
  const start = (command: string, args: string[], env: Record<string, string> = {}) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    processes.push(child);
    return () => output;
  };
  start('pebble-challtestsrv', ['-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-http01', '', '-https01', '', '-tlsalpn01', '', '-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${dnsManagementPort}`]);
  const output = start('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`], { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', ...options.env });
  const agent = new Agent({ ca: ca.pem });
  const get = (port: number, path: string) =>
    new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path, servername: 'localhost', agent }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`pebble ${path}: ${res.statusCode}`))));
      }).on('error', reject).end();
    });
  const close = async () => {
    for (const child of processes) child.kill('SIGTERM');
    await Promise.all(processes.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : Promise.resolve())));
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      await get(acmePort, '/dir');
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await close();
        throw new Error(`pebble did not start: ${String(error)}\n${output()}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    listenerCa: ca.pem,
    rootCa: () => get(managementPort, '/roots/0'),
    close,
  };
}
