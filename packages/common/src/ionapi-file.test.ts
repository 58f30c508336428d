import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMlcError } from './errors.ts';
import {
  describeIonApiFile,
  type IonApiFile,
  ionApiBaseUrl,
  ionRevokeUrl,
  ionTokenUrl,
  joinUrl,
  parseIonApiFile,
} from './ionapi-file.ts';

const SECRETS = {
  cs: 'Cl1entS3cret-value_XYZ',
  saak: 'ACME_PRD#Kx9-service-account-access-key',
  sask: 'Sv4-service-account-secret-key',
};

const cloudFile = {
  ti: 'ACME_PRD',
  cn: 'ml-connector',
  dt: '12',
  ci: 'ACME_PRD~a1b2c3d4e5f6',
  cs: SECRETS.cs,
  iu: 'https://mingle-ionapi.eu1.inforcloudsuite.com',
  pu: 'https://mingle-sso.eu1.inforcloudsuite.com:443/ACME_PRD/as/',
  oa: 'authorization.oauth2',
  ot: 'token.oauth2',
  or: 'revoke_token.oauth2',
  ev: 'U1447596634',
  v: '1.0',
  saak: SECRETS.saak,
  sask: SECRETS.sask,
};

const onPremFile = {
  ti: 'infor',
  cn: 'connector',
  dt: '12',
  ci: 'infor~onprem-client',
  cs: SECRETS.cs,
  iu: 'https://ionapi.acme.local:7443',
  pu: 'https://sso.acme.local/InforIntSTS',
  oa: 'connect/authorize',
  ot: 'connect/token',
  or: 'connect/revocation',
  ev: 'V480',
  v: '1.1',
  sc: ['Infor-M3'],
  saak: 'infor#svc-key',
  sask: SECRETS.sask,
};

function expectIonApiError(input: unknown, code: string, field?: string): void {
  assert.throws(
    () => parseIonApiFile(input as string),
    (err: unknown) => {
      assert.ok(isMlcError(err), `expected MlcError, got ${String(err)}`);
      assert.equal(err.code, code);
      if (field !== undefined) assert.equal(err.field, field);
      assert.equal(err.statusCode, 400);
      const serialized = `${err.message} ${JSON.stringify(err)} ${String(err.cause ?? '')}`;
      for (const secret of Object.values(SECRETS)) assert.ok(!serialized.includes(secret), 'error leaks a secret');
      return true;
    },
  );
}

test('a cloud .ionapi file parses with every key and derives token, revoke and API URLs', () => {
  const file = parseIonApiFile(JSON.stringify(cloudFile, null, 2));
  assert.deepEqual(file, cloudFile);
  assert.equal(ionTokenUrl(file), 'https://mingle-sso.eu1.inforcloudsuite.com:443/ACME_PRD/as/token.oauth2');
  assert.equal(ionRevokeUrl(file), 'https://mingle-sso.eu1.inforcloudsuite.com:443/ACME_PRD/as/revoke_token.oauth2');
  assert.equal(ionApiBaseUrl(file), 'https://mingle-ionapi.eu1.inforcloudsuite.com/ACME_PRD');
});

test('an on-premises .ionapi file (connect/token, port, pu without trailing slash) parses', () => {
  const file = parseIonApiFile(onPremFile);
  assert.equal(ionTokenUrl(file), 'https://sso.acme.local/InforIntSTS/connect/token');
  assert.equal(ionRevokeUrl(file), 'https://sso.acme.local/InforIntSTS/connect/revocation');
  assert.equal(ionApiBaseUrl(file), 'https://ionapi.acme.local:7443/infor');
  assert.deepEqual(file.sc, ['Infor-M3']);
  assert.equal(file.saak, 'infor#svc-key', 'saak is kept as is, never re-prefixed');
});

test('real-world variants parse: BOM, surrounding whitespace, padded values, extra keys, trailing slashes', () => {
  const variant = {
    ...cloudFile,
    ti: '  ACME_PRD ',
    iu: 'https://mingle-ionapi.eu1.inforcloudsuite.com/',
    pu: ' https://mingle-sso.eu1.inforcloudsuite.com/ACME_PRD/as ',
    ot: '/token.oauth2',
    unknownKey: { nested: true },
    dt: 12,
  };
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`\r\n\t ${JSON.stringify(variant)} \n\n`)]);
  const file = parseIonApiFile(bytes);
  assert.equal(file.ti, 'ACME_PRD');
  assert.equal(file.dt, '12');
  assert.equal(ionTokenUrl(file), 'https://mingle-sso.eu1.inforcloudsuite.com/ACME_PRD/as/token.oauth2');
  assert.equal(ionApiBaseUrl(file), 'https://mingle-ionapi.eu1.inforcloudsuite.com/ACME_PRD');
  assert.ok(!('unknownKey' in file));
  assert.equal(parseIonApiFile(`\uFEFF${JSON.stringify(cloudFile)}`).ci, cloudFile.ci);
});

test('a UTF-16 file saved by a Windows editor parses, little- or big-endian', () => {
  const utf16le = Buffer.from(JSON.stringify(cloudFile), 'utf16le');
  assert.equal(parseIonApiFile(Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le])).ti, 'ACME_PRD');
  const utf16be = Buffer.from(utf16le).swap16();
  assert.equal(parseIonApiFile(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be])).ti, 'ACME_PRD');
});

test('optional keys may be absent, and scopes may be a space-separated string', () => {
  const { oa: _oa, or: _or, cn: _cn, ev: _ev, v: _v, dt: _dt, ...minimal } = cloudFile;
  const file = parseIonApiFile({ ...minimal, sc: 'Infor-M3  Infor-ION' });
  assert.equal(ionRevokeUrl(file), undefined);
  assert.deepEqual(file.sc, ['Infor-M3', 'Infor-ION']);
  assert.equal(file.oa, undefined);
});

for (const key of ['ti', 'ci', 'cs', 'iu', 'pu', 'ot', 'saak', 'sask']) {
  test(`a file without '${key}' is rejected naming '${key}'`, () => {
    const { [key as keyof typeof cloudFile]: _removed, ...rest } = cloudFile;
    expectIonApiError(JSON.stringify(rest), 'MLC_IONAPI_MISSING_KEY', key);
    expectIonApiError({ ...cloudFile, [key]: null }, 'MLC_IONAPI_MISSING_KEY', key);
  });
}

const badValues: [string, string, unknown][] = [
  ['pu not a URL', 'pu', 'mingle-sso.inforcloudsuite.com/ACME/as/'],
  ['pu with a non-http scheme', 'pu', 'ftp://mingle-sso.inforcloudsuite.com/'],
  ['iu not a URL', 'iu', 'not a url'],
  ['iu carrying credentials', 'iu', 'https://user:pw@mingle-ionapi.inforcloudsuite.com'],
  ['saak not a string', 'saak', 12345],
  ['sask an object', 'sask', { value: SECRETS.sask }],
  ['cs an array', 'cs', [SECRETS.cs]],
  ['ci empty', 'ci', '   '],
  ['ti with a slash', 'ti', 'ACME/PRD'],
  ['ot a boolean', 'ot', true],
  ['sc a number', 'sc', 7],
  ['cn an object', 'cn', {}],
];
for (const [name, field, value] of badValues) {
  test(`a file with ${name} is rejected naming '${field}'`, () => {
    expectIonApiError({ ...cloudFile, [field]: value }, 'MLC_IONAPI_INVALID_VALUE', field);
  });
}

const notJson: [string, unknown][] = [
  ['empty text', ''],
  ['whitespace only', '  \n '],
  ['truncated JSON holding secrets', JSON.stringify(cloudFile).slice(0, 200)],
  ['an HTML error page', '<html><body>Sign in</body></html>'],
  ['a JSON array', '[1,2]'],
  ['a JSON string', '"ti"'],
  ['the file double-encoded as one JSON string', JSON.stringify(JSON.stringify(cloudFile))],
  ['truncated UTF-16 big-endian (odd byte count)', Buffer.from([0xfe, 0xff, 0x00, 0x7b, 0x00])],
  ['JSON null', 'null'],
  ['a number', 42],
  ['garbage bytes', Buffer.from([0x00, 0x9f, 0x92, 0x96])],
];
for (const [name, input] of notJson) {
  test(`${name} is rejected as not JSON without echoing content`, () => {
    expectIonApiError(input, 'MLC_IONAPI_NOT_JSON');
  });
}

test('describeIonApiFile exposes only non-secret facts', () => {
  const file: IonApiFile = parseIonApiFile(cloudFile);
  const description = describeIonApiFile(file);
  assert.deepEqual(description, {
    tenant: 'ACME_PRD',
    applicationName: 'ml-connector',
    applicationType: '12',
    clientId: 'ACME_PRD~a1b2c3d4e5f6',
    ionApiUrl: cloudFile.iu,
    authServerUrl: cloudFile.pu,
    tokenUrl: ionTokenUrl(file),
    hasServiceAccount: true,
    version: '1.0',
  });
  const text = JSON.stringify(description);
  for (const secret of Object.values(SECRETS)) assert.ok(!text.includes(secret));
});

test('joinUrl joins with exactly one slash and keeps an absolute path URL', () => {
  assert.equal(joinUrl('https://a/b/', '/c'), 'https://a/b/c');
  assert.equal(joinUrl('https://a/b//', 'c'), 'https://a/b/c');
  assert.equal(joinUrl('https://a/b', 'c/d'), 'https://a/b/c/d');
  assert.equal(joinUrl('https://a/b', 'https://other/token'), 'https://other/token');
});
