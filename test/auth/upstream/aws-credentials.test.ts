import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsCredentials, cached } from '../../../src/auth/upstream/aws-credentials.js';
import { startFakeSts, type FakeSts } from '../../helpers/fakes/sts.js';

const AWS_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_REGION',
];

/** Runs with only the given AWS variables set, restoring the process environment after. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = new Map(AWS_ENV.map((k) => [k, process.env[k]]));
  for (const k of AWS_ENV) delete process.env[k];
  // An empty config file keeps the chain from reading the developer's ~/.aws.
  Object.assign(
    process.env,
    {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/rankway-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/rankway-credentials',
    },
    vars,
  );
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('AWS credentials', () => {
  let dir: string;
  let sts: FakeSts;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rankway-aws-'));
    sts = await startFakeSts({ caller: { accessKeyId: 'AKIDBASE', secretAccessKey: 'base-secret' }, externalId: 'ext-42' });
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await sts.close();
  });

  it('uses static keys and a session token as given', async () => {
    const get = awsCredentials({ region: 'us-west-2', accessKeyId: 'AKIDSTATIC', secretAccessKey: 's', sessionToken: 't' });
    assert.deepEqual(await get(), { accessKeyId: 'AKIDSTATIC', secretAccessKey: 's', sessionToken: 't' });
  });

  it('reads environment variables through the default chain', async () => {
    const creds = await withEnv({ AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_SESSION_TOKEN: 'env-token' }, () =>
      awsCredentials({ region: 'us-west-2' })(),
    );
    assert.equal(creds.accessKeyId, 'AKIDENV');
    assert.equal(creds.secretAccessKey, 'env-secret');
    assert.equal(creds.sessionToken, 'env-token');
  });

  it('reads a named profile from a shared credentials file', async () => {
    const file = join(dir, 'credentials');
    writeFileSync(
      file,
      '[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\n[rerank]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n',
    );
    const viaEnv = await withEnv({ AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'rerank' }, () =>
      awsCredentials({ region: 'us-west-2' })(),
    );
    assert.equal(viaEnv.accessKeyId, 'AKIDPROFILE');
    assert.equal(viaEnv.secretAccessKey, 'profile-secret');
    const viaConfig = await withEnv({ AWS_SHARED_CREDENTIALS_FILE: file }, () =>
      awsCredentials({ region: 'us-west-2', profile: 'rerank' })(),
    );
    assert.equal(viaConfig.accessKeyId, 'AKIDPROFILE');
  });

  it('assumes a role against STS with the base credentials and caches the result', async () => {
    const get = awsCredentials({
      region: 'us-west-2',
      accessKeyId: 'AKIDBASE',
      secretAccessKey: 'base-secret',
      roleArn: 'arn:aws:iam::123456789012:role/rankway-rerank',
      externalId: 'ext-42',
      sessionName: 'rankway-test',
      stsEndpoint: sts.url,
    });
    const first = await get();
    const second = await get();
    assert.equal(sts.calls.length, 1, 'the assumed credentials are cached');
    assert.deepEqual(sts.calls[0], {
      roleArn: 'arn:aws:iam::123456789012:role/rankway-rerank',
      sessionName: 'rankway-test',
      externalId: 'ext-42',
      signedBy: 'AKIDBASE',
    });
    assert.equal(first.accessKeyId, sts.issued[0].accessKeyId);
    assert.equal(first.sessionToken, sts.issued[0].sessionToken);
    assert.ok(first.expiration instanceof Date);
    assert.equal(second, first);
  });

  it('fails clearly when STS refuses the role', async () => {
    const get = awsCredentials({
      region: 'us-west-2',
      accessKeyId: 'AKIDBASE',
      secretAccessKey: 'base-secret',
      roleArn: 'arn:aws:iam::123456789012:role/rankway-rerank',
      externalId: 'wrong',
      stsEndpoint: sts.url,
    });
    await assert.rejects(get(), (err: Error) => /AssumeRole/.test(err.message) || err.name === 'AccessDenied');
  });

  it('refreshes cached credentials before they expire and shares one refresh', async () => {
    let clock = 0;
    let loads = 0;
    const get = cached(
      async () => {
        loads++;
        return { accessKeyId: `K${loads}`, secretAccessKey: 's', expiration: new Date(clock + 10 * 60_000) };
      },
      () => clock,
    );
    const [a, b] = await Promise.all([get(), get()]);
    assert.equal(loads, 1);
    assert.equal(a, b);
    clock += 4 * 60_000;
    assert.equal((await get()).accessKeyId, 'K1');
    clock += 2 * 60_000; // now inside the 5-minute margin
    assert.equal((await get()).accessKeyId, 'K2');
  });

  it('backs off after a failed load instead of calling the source on every request', async () => {
    let clock = 0;
    let loads = 0;
    let healthy = false;
    const get = cached(
      async () => {
        loads++;
        if (!healthy) throw new Error('AccessDenied: not authorized to perform sts:AssumeRole');
        return { accessKeyId: 'K', secretAccessKey: 's', expiration: new Date(clock + 60 * 60_000) };
      },
      () => clock,
    );
    await assert.rejects(get(), /AccessDenied/);
    await assert.rejects(get(), /AccessDenied/); // inside the back-off: the same error, no new load
    assert.equal(loads, 1);
    clock += 1_500;
    await assert.rejects(get(), /AccessDenied/);
    assert.equal(loads, 2);
    healthy = true;
    clock += 1_000; // the back-off has doubled to 2 s
    await assert.rejects(get(), /AccessDenied/);
    assert.equal(loads, 2);
    clock += 1_500;
    assert.equal((await get()).accessKeyId, 'K');
    assert.equal(loads, 3);
  });

  it('keeps serving an identity that has not expired yet when its early refresh fails', async () => {
    let clock = 0;
    let loads = 0;
    const get = cached(
      async () => {
        loads++;
        if (loads > 1) throw new Error('STS unreachable');
        return { accessKeyId: 'K1', secretAccessKey: 's', expiration: new Date(clock + 10 * 60_000) };
      },
      () => clock,
    );
    assert.equal((await get()).accessKeyId, 'K1');
    clock += 6 * 60_000; // inside the refresh margin, still valid for 4 minutes
    assert.equal((await get()).accessKeyId, 'K1');
    assert.equal(loads, 2);
    clock += 5 * 60_000; // expired now, and past the back-off: the failure reaches the caller
    await assert.rejects(get(), /STS unreachable/);
  });
});
