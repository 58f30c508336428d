/**
 * The committed corpus of malformed (and valid-but-odd) `.ionapi` files, each run through the parser and
 * through the admin API's multipart upload as a customer would send it. Every file gets the outcome its
 * manifest entry names: accepted (tenant and token URL as expected), or a 4xx whose code and field name
 * the key at fault. Never a 5xx, and never a secret value (`cs`, `saak`, `sask`) in an error or a response.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isMlcError } from '@mlc/common/errors';
import { ionTokenUrl, parseIonApiFile } from '@mlc/common/ionapi-file';
import { multipart, sampleTenantBody, startAdminApi } from '../admin-api/admin-api-harness.ts';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'ionapi-malformed');

interface Expectation {
  outcome: 'accepted' | 'rejected';
  /** Accepted: the tenant (`ti`) and the token URL derived from `pu` + `ot`. */
  tenant?: string;
  tokenUrl?: string;
  /** Rejected: the error code, and the key it names (null: the file as a whole). */
  code?: string;
  key?: string | null;
}

interface CorpusCase {
  file: string;
  what: string;
  expect: Expectation;
  /** Where the upload's answer differs from the parser's (size limit, empty part). */
  upload?: { status: number; code: string };
}

const manifest = JSON.parse(readFileSync(join(CORPUS, 'manifest.json'), 'utf8')) as {
  secrets: Record<string, string>;
  cases: CorpusCase[];
};
const secrets = Object.values(manifest.secrets);

function assertNoSecret(text: string, where: string): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `${where} echoes a secret (${secret.slice(0, 10)}…)`);
}

test('the manifest names every corpus file exactly once, and the corpus is big enough to mean something', () => {
  const files = readdirSync(CORPUS)
    .filter((name) => name.endsWith('.ionapi'))
    .sort();
  const listed = manifest.cases.map((c) => c.file).sort();
  assert.deepEqual(listed, files);
  assert.equal(new Set(listed).size, listed.length);
  assert.ok(files.length >= 20, `${files.length} files`);
  const rejected = manifest.cases.filter((c) => c.expect.outcome === 'rejected');
  assert.ok(rejected.length >= 20, `${rejected.length} malformed files`);
  // Every required key has a file without it.
  for (const key of ['ti', 'ci', 'cs', 'iu', 'pu', 'ot', 'saak', 'sask']) {
    assert.ok(
      rejected.some((c) => c.expect.code === 'MLC_IONAPI_MISSING_KEY' && c.expect.key === key),
      `a file misses '${key}'`,
    );
  }
});

for (const corpusCase of manifest.cases) {
  const { file, what, expect } = corpusCase;
  test(`parser: ${file} (${what}) is ${expect.outcome === 'accepted' ? 'accepted' : `${expect.code} naming ${expect.key ?? 'the file'}`}`, () => {
    const bytes = readFileSync(join(CORPUS, file));
    if (expect.outcome === 'accepted') {
      const parsed = parseIonApiFile(bytes);
      assert.equal(parsed.ti, expect.tenant);
      assert.equal(ionTokenUrl(parsed), expect.tokenUrl);
      return;
    }
    assert.throws(
      () => parseIonApiFile(bytes),
      (error: unknown) => {
        assert.ok(isMlcError(error), `an MlcError, not ${String(error)}`);
        assert.equal(error.code, expect.code);
        assert.equal(error.statusCode, 400);
        assert.equal(error.field, expect.key ?? undefined);
        if (expect.key) assert.match(error.message, new RegExp(`'${expect.key}'`), 'the message names the key');
        assertNoSecret(`${error.message} ${JSON.stringify(error)}`, 'the parser error');
        return true;
      },
    );
  });
}

test('upload: every corpus file sent as multipart gets its expected answer, never a 5xx, never a secret', async (t) => {
  const api = await startAdminApi(t);
  const { ionapi: _ionapi, ...settings } = sampleTenantBody('corpus');
  let index = 0;
  for (const { file, expect, upload } of manifest.cases) {
    const id = `corpus-${index++}`;
    const body = await multipart({
      tenant: JSON.stringify({ ...settings, id, zendesk: { ...(settings.zendesk as object), subdomain: id } }),
      ionapi: new Blob([readFileSync(join(CORPUS, file))]),
    });
    const response = await api.call('POST', '/tenants', body);
    assert.ok(response.status < 500, `${file}: ${response.status} ${response.text}`);
    assertNoSecret(response.text, `${file}: the response`);
    if (upload !== undefined) {
      assert.equal(response.status, upload.status, `${file}: ${response.text}`);
      assert.equal(response.body.error.code, upload.code, file);
    } else if (expect.outcome === 'accepted') {
      assert.equal(response.status, 201, `${file}: ${response.text}`);
      assert.equal(response.body.ionapi.tenant, expect.tenant, file);
      assert.equal(response.body.ionapi.tokenUrl, expect.tokenUrl, file);
    } else {
      assert.equal(response.status, 400, `${file}: ${response.text}`);
      assert.equal(response.body.error.code, expect.code, file);
      assert.equal(response.body.error.field, expect.key ? `ionapi.${expect.key}` : 'ionapi', file);
      if (expect.key) assert.match(response.body.error.message, new RegExp(`'${expect.key}'`), file);
    }
  }
  const accepted = manifest.cases.filter((c) => c.expect.outcome === 'accepted' && c.upload === undefined).length;
  assert.equal(
    (await api.call('GET', '/tenants')).body.tenants.length,
    accepted,
    'only the accepted files made tenants',
  );
});
