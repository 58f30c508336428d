import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SecretScanner } from './secret-scan.ts';

test('the secret scanner names the secret and the place of every plaintext occurrence', () => {
  const scanner = new SecretScanner();
  scanner.add({ name: 'zendesk client secret', value: 'zd-secret-0123456789abcdef' });
  scanner.add({ name: 'ion sask', value: 'sask-value-with-enough-entropy' });
  const file = join(mkdtempSync(join(tmpdir(), 'mlc-scan-')), 'service.log');
  writeFileSync(file, '{"msg":"token refresh"}\n{"body":"client_secret=zd-secret-0123456789abcdef"}\n');
  scanner.scanFile(file);
  scanner.scan(
    'topic t partition 0 offset 7 value',
    Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from('sask-value-with-enough-entropy')]),
  );
  scanner.scan('admin API GET /tenants', '{"tenants":[{"id":"acme","zendesk":{"oauth":{"clientSecret":"***"}}}]}');
  assert.deepEqual(
    scanner.hits.map((hit) => hit.secret),
    ['zendesk client secret', 'ion sask'],
  );
  assert.match(scanner.hits[0]?.where ?? '', /service\.log @byte 47/);
  assert.match(scanner.hits[1]?.where ?? '', /^topic t partition 0 offset 7 value @byte 3$/);
});

test('a secret too short to search for reliably is refused', () => {
  assert.throws(() => new SecretScanner().add({ name: 'pin', value: '1234' }), /too short/);
});
