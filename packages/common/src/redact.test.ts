import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isSecretFieldName,
  REDACTED,
  redactedSnippet,
  redactSecretFields,
  redactSecrets,
  redactText,
} from './redact.ts';

test('redactSecrets masks every occurrence of each secret, including URL-encoded and JSON-escaped forms', () => {
  const secret = 'p@ss w+rd/"x"';
  const text = [
    `plain ${secret} and again ${secret}`,
    `form password=${encodeURIComponent(secret)}`,
    `urlsearchparams ${new URLSearchParams({ p: secret }).toString()}`,
    `json ${JSON.stringify({ p: secret })}`,
  ].join('\n');
  const out = redactSecrets(text, [secret]);
  assert.ok(!out.includes(secret));
  assert.ok(!out.includes(encodeURIComponent(secret)));
  assert.ok(!out.includes('w%2Brd'));
  assert.ok(!out.includes('w+rd/\\"x'));
  assert.equal(out.split(REDACTED).length - 1, 5);
});

test('redactSecrets masks a longer secret whole even when it contains a shorter one', () => {
  assert.equal(redactSecrets('token=abcdefgh', ['abcd', 'abcdefgh']), `token=${REDACTED}`);
});

test('redactSecrets ignores empty, missing and trivially short secrets', () => {
  assert.equal(redactSecrets('a b c', ['', undefined, null, 'a']), 'a b c');
});

test('redactSecretFields masks well-known secret fields at any depth without mutating the input', () => {
  const input = {
    access_token: 'at',
    nested: { refreshToken: 'rt', list: [{ client_secret: 'cs1', keep: 1 }], Authorization: 'Bearer x' },
    sask: 's',
    saak: 'k',
    cs: 'c',
    password: 'p',
    token: 't',
    ci: 'client-id-is-not-secret',
  };
  const out = redactSecretFields(input);
  assert.deepEqual(out, {
    access_token: REDACTED,
    nested: { refreshToken: REDACTED, list: [{ client_secret: REDACTED, keep: 1 }], Authorization: REDACTED },
    sask: REDACTED,
    saak: REDACTED,
    cs: REDACTED,
    password: REDACTED,
    token: REDACTED,
    ci: 'client-id-is-not-secret',
  });
  assert.equal(input.access_token, 'at');
});

test('redactSecretFields accepts extra field names and survives cycles', () => {
  const input: Record<string, unknown> = { apiKey: 'k', name: 'n' };
  input.self = input;
  const out = redactSecretFields(input, ['api_key']) as Record<string, unknown>;
  assert.equal(out.apiKey, REDACTED);
  assert.equal(out.name, 'n');
  assert.equal(out.self, out);
});

test('isSecretFieldName ignores case, dashes and underscores', () => {
  assert.ok(isSecretFieldName('Client-Secret'));
  assert.ok(isSecretFieldName('ACCESS_TOKEN'));
  assert.ok(!isSecretFieldName('client_id'));
});

test('redactText masks secret fields in JSON, form bodies and Authorization values of unknown text', () => {
  const html = '<pre>{"error":"invalid_grant","refresh_token" : "r3fr\\"esh","access_token":"abc"}</pre>';
  assert.equal(
    redactText(html),
    `<pre>{"error":"invalid_grant","refresh_token" : "${REDACTED}","access_token":"${REDACTED}"}</pre>`,
  );
  assert.equal(
    redactText('grant_type=password&username=T%23x&password=hunter22&client_secret=zzz'),
    `grant_type=password&username=T%23x&password=${REDACTED}&client_secret=${REDACTED}`,
  );
  assert.equal(redactText('sent Authorization: Bearer eyJhbGciOi.x.y'), `sent Authorization: Bearer ${REDACTED}`);
  assert.equal(redactText('echo mysecretvalue', ['mysecretvalue']), `echo ${REDACTED}`);
});

test('redactedSnippet bounds the length of a huge body and redacts objects', () => {
  const huge = `password=hunter22 ${'x'.repeat(10 * 1024 * 1024)}`;
  const snippet = redactedSnippet(huge, [], 100);
  assert.ok(snippet.length < 200);
  assert.ok(snippet.startsWith(`password=${REDACTED}`));
  assert.match(snippet, /truncated/);
  assert.equal(redactedSnippet({ error: 'x', access_token: 'abc' }), `{"error":"x","access_token":"${REDACTED}"}`);
  assert.equal(redactedSnippet(undefined), '');
});
