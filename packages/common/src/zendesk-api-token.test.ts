import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zendeskApiTokenAuthorization } from './zendesk-api-token.ts';

test('the legacy API-token header is Basic base64 of "{email}/token:{token}"', () => {
  const header = zendeskApiTokenAuthorization('agent@example.com', 'abc123');
  assert.match(header, /^Basic /);
  assert.equal(Buffer.from(header.slice('Basic '.length), 'base64').toString(), 'agent@example.com/token:abc123');
});
