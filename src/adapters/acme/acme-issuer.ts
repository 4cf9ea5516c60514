// Certificates from an ACME CA (RFC 8555) with acme-client: one account per CA directory URL (its
// key kept in the certificate store), HTTP-01 challenges answered by Opus's own HTTP listener.
import { Agent } from 'node:https';
import acme from 'acme-client';
import type { CertificateStore } from '../../ports/certificate-store.js';
import type { CertificateIssuer, ChallengeResponder, IssuedCertificate } from '../../ports/certificate-issuer.js';

export const LETS_ENCRYPT = acme.directory.letsencrypt.production;

export interface AcmeIssuerOptions {
  directoryUrl: string;
  email: string;
  store: CertificateStore;
  /** PEM of CAs the directory's own HTTPS is trusted with (an internal CA, tests); default the system's. */
  directoryCa?: string;
}

export class AcmeIssuer implements CertificateIssuer {
  private client: Promise<acme.Client> | undefined;

  constructor(private readonly options: AcmeIssuerOptions) {
    // acme-client talks through one shared axios instance.
    if (options.directoryCa) acme.axios.defaults.httpsAgent = new Agent({ ca: options.directoryCa, keepAlive: true });
  }

  async issue(names: string[], challenges: ChallengeResponder): Promise<IssuedCertificate> {
    const client = await this.account();
    const [key, csr] = await acme.crypto.createCsr({ commonName: names[0] ?? '', altNames: names }, await acme.crypto.createPrivateEcdsaKey('P-256'));
    const cert = await client.auto({
      csr,
      email: this.options.email,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The CA checks the names from outside; a check from here would need this machine to resolve its own names.
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        if (challenge.type !== 'http-01') throw new Error(`only http-01 is answered, not ${challenge.type}`);
        challenges.add(challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => {
        challenges.remove(challenge.token);
      },
    });
    return { cert, key: key.toString() };
  }

  private account(): Promise<acme.Client> {
    this.client ??= (async () => {
      const { store, directoryUrl } = this.options;
      let accountKey = await store.readAccountKey(directoryUrl);
      if (!accountKey) {
        accountKey = (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
        await store.writeAccountKey(directoryUrl, accountKey);
      }
      return new acme.Client({ directoryUrl, accountKey, backoffAttempts: 10, backoffMin: 500, backoffMax: 5_000 });
    })().catch((error: unknown) => {
      this.client = undefined;
      throw error;
    });
    return this.client;
  }
}
