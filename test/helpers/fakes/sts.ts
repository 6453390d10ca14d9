import { randomBytes } from 'node:crypto';
import { verifySigV4, type SigV4Secret } from '../../../src/auth/inbound/sigv4-verify.js';
import { startFake, type FakeServer } from '../fake-server.js';

export interface AssumeRoleCall {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly externalId?: string;
  readonly signedBy: string;
}

export interface FakeSts extends FakeServer {
  readonly calls: AssumeRoleCall[];
  /** Temporary credentials issued so far (to give to a fake Bedrock). */
  readonly issued: SigV4Secret[];
}

/**
 * A fake STS speaking the AssumeRole query protocol: a SigV4-signed (service `sts`) form POST
 * with `Action=AssumeRole`, answered with the AssumeRoleResponse XML document.
 */
export interface FakeStsOptions {
  /** The long-term key allowed to call AssumeRole. */
  readonly caller: SigV4Secret;
  readonly ttlSeconds?: number;
  /** When set, AssumeRole demands this ExternalId. */
  readonly externalId?: string;
  /** Issued credentials are also pushed here (e.g. a fake Bedrock's accepted keys). */
  readonly issueInto?: SigV4Secret[];
}

export async function startFakeSts(options: FakeStsOptions): Promise<FakeSts> {
  const calls: AssumeRoleCall[] = [];
  const issued: SigV4Secret[] = [];
  const fake = await startFake(async (req, res) => {
    const xmlError = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
      );
    };
    const verified = await verifySigV4(
      { method: req.method, path: req.path, headers: req.headers, body: req.raw },
      { keys: { find: (id) => (id === options.caller.accessKeyId ? options.caller : undefined) }, service: 'sts' },
    );
    if (!verified.ok) return xmlError(403, verified.code.replace(/Exception$/, ''), verified.message);
    const form = new URLSearchParams(req.raw.toString('utf8'));
    if (form.get('Action') !== 'AssumeRole' || form.get('Version') !== '2011-06-15')
      return xmlError(400, 'InvalidAction', 'Unsupported action');
    const roleArn = form.get('RoleArn') ?? '';
    const sessionName = form.get('RoleSessionName') ?? '';
    const externalId = form.get('ExternalId') ?? undefined;
    if (options.externalId !== undefined && externalId !== options.externalId)
      return xmlError(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRole');
    calls.push({ roleArn, sessionName, externalId, signedBy: verified.accessKeyId });
    const secret: SigV4Secret = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
    };
    issued.push(secret);
    options.issueInto?.push(secret);
    const expiration = new Date(Date.now() + (options.ttlSeconds ?? 3600) * 1000).toISOString();
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROAEXAMPLE:${sessionName}</AssumedRoleId>
      <Arn>${roleArn.replace(':iam:', ':sts:').replace(':role/', ':assumed-role/')}/${sessionName}</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${secret.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${secret.secretAccessKey}</SecretAccessKey>
      <SessionToken>${secret.sessionToken}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>`);
  });
  return Object.assign(fake, { calls, issued });
}
