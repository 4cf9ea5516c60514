// Certificates from an ACME CA (RFC 8555) with acme-client: one account per CA directory URL (its
// key kept in the certificate store), HTTP-01 challenges answered by Opus's own HTTP listener.
import { Agent } from 'node:https';
import acme from 'acme-client';
import type { CertificateStore } from '../../ports/certificate-store.js';
import type { CertificateIssuer, ChallengeResponder, IssuedCertificate } from '../../ports/certificate-issuer.js';

export const LETS_ENCRYPT = acme.directory.letsencrypt.production;

export interface AcmeAccount {
  directoryUrl: string;
  email: string;
}

export interface AcmeIssuerOptions {
  /** Read at each order: the email and CA may come from opus.yaml, which changes. */
  account: () => AcmeAccount | undefined;
  store: CertificateStore;
  /** PEM of CAs the directory's own HTTPS is trusted with (an internal CA, tests); default the system's. */
  directoryCa?: string;
  /** acme-client's own retries of one request (network errors, 5xx, 429): default 5, waiting 5 s more each time. */
  requestRetries?: { attempts: number; delaySeconds: number };
}

export class AcmeIssuer implements CertificateIssuer {
  private client: { directoryUrl: string; client: Promise<acme.Client> } | undefined;

  constructor(private readonly options: AcmeIssuerOptions) {
    // acme-client talks through one shared axios instance.
    if (options.directoryCa) acme.axios.defaults.httpsAgent = new Agent({ ca: options.directoryCa, keepAlive: true });
    const retries = options.requestRetries;
    if (retries) Object.assign(acme.axios.defaults, { acmeSettings: { ...acmeSettings(), retryMaxAttempts: retries.attempts, retryDefaultDelay: retries.delaySeconds } });
  }

  async issue(names: string[], challenges: ChallengeResponder): Promise<IssuedCertificate> {
    const account = this.options.account();
    if (!account) throw new Error('no ACME email: set opus server --acme-email, OPUS_ACME_EMAIL or tls.email in opus.yaml');
    try {
      return await this.order(await this.clientFor(account.directoryUrl), account, names, challenges);
    } catch (error) {
      // acme-client reports an unreachable CA as a TypeError of its own; say what was tried.
      throw new Error(`ACME order at ${account.directoryUrl} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  private async order(client: acme.Client, account: AcmeAccount, names: string[], challenges: ChallengeResponder): Promise<IssuedCertificate> {
    const [key, csr] = await acme.crypto.createCsr({ commonName: names[0] ?? '', altNames: names }, await acme.crypto.createPrivateEcdsaKey('P-256'));
    const cert = await client.auto({
      csr,
      email: account.email,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The CA checks the names from outside; a check from here would need this machine to resolve its own names.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        if (challenge.type !== 'http-01') throw new Error(`only http-01 is answered, not ${challenge.type}`);
        await challenges.add(challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => {
        await challenges.remove(challenge.token);
      },
    });
    return { cert, key: key.toString() };
  }

  private clientFor(directoryUrl: string): Promise<acme.Client> {
    if (this.client?.directoryUrl === directoryUrl) return this.client.client;
    const client = (async () => {
      const { store } = this.options;
      let accountKey = await store.readAccountKey(directoryUrl);
      if (!accountKey) {
        accountKey = (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
        await store.writeAccountKey(directoryUrl, accountKey);
      }
      return new acme.Client({ directoryUrl, accountKey, backoffAttempts: 10, backoffMin: 500, backoffMax: 5_000 });
    })();
    this.client = { directoryUrl, client };
    client.catch(() => {
      if (this.client?.client === client) this.client = undefined;
    });
    return client;
  }
}

function acmeSettings(): Record<string, unknown> {
  return (acme.axios.defaults as { acmeSettings?: Record<string, unknown> }).acmeSettings ?? {};
}
