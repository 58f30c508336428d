import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMlcError } from '@mlc/common/errors';
import { createCsiIdoClient } from './csi-ido-client.ts';

/** A client whose one ION call answers `body`, recording what was asked. */
function clientAnswering(body: unknown) {
  const calls: { path: string; query: Record<string, string>; headers: Record<string, string> | undefined }[] = [];
  const client = createCsiIdoClient(
    {
      async getJson(path, query, headers) {
        calls.push({ path, query, headers });
        return body;
      },
    },
    'ACME_DALS',
  );
  return { client, calls };
}

const request = { properties: ['VendNum', 'Name', 'RecordDate'], recordcap: 2 };

test('a load returns its items and the bookmark while more rows exist, with the Mongoose configuration', async () => {
  const { client, calls } = clientAnswering({
    Items: [{ VendNum: 'V1', Name: 'Acme' }],
    Bookmark: '<B/>',
    MoreRowsExist: true,
    Success: true,
    MessageCode: 0,
  });
  const page = await client.load('SLVendors', { ...request, bookmark: '<A/>' });
  assert.deepEqual(page, { items: [{ VendNum: 'V1', Name: 'Acme' }], bookmark: '<B/>' });
  assert.equal(calls[0]?.path, 'CSI/IDORequestService/ido/load/SLVendors');
  assert.equal(calls[0]?.query.loadtype, 'NEXT');
  assert.deepEqual(calls[0]?.headers, { 'X-Infor-MongooseConfig': 'ACME_DALS' });
});

test('no rows (Items empty or null) is an empty page; re-typed values are read as text', async () => {
  assert.deepEqual(await clientAnswering({ Items: null, MoreRowsExist: false }).client.load('SLVendors', request), {
    items: [],
  });
  const retyped = clientAnswering({ Items: [{ VendNum: 42, Active: false, Name: null }], MoreRowsExist: 'false' });
  assert.deepEqual(await retyped.client.load('SLVendors', request), { items: [{ VendNum: '42', Active: 'false' }] });
});

test('an IDO failure carries its message; one with a non-text Message still fails clearly', async () => {
  await assert.rejects(
    clientAnswering({
      Success: false,
      Message: 'Property Foo is not a property of SLVendors',
      MessageCode: 1,
    }).client.load('SLVendors', request),
    (e: unknown) =>
      isMlcError(e, 'MLC_CSI_ERROR') && e.message === 'SLVendors: Property Foo is not a property of SLVendors',
  );
  await assert.rejects(
    clientAnswering({ Success: 'False', Message: { text: 'x' } }).client.load('SLVendors', request),
    (e: unknown) => isMlcError(e, 'MLC_CSI_ERROR') && e.message === 'SLVendors: the load failed without a message',
  );
});

test('answers that are not load results fail as malformed instead of reading as "no changes"', async () => {
  const cases: [unknown, string][] = [
    [{ MoreRowsExist: false, Success: true }, 'SLVendors: the IDO response has no Items'],
    [{ Items: 'V1,V2' }, 'SLVendors: Items is not a list'],
    [{ Items: [{ VendNum: 'V1' }, 'V2'] }, 'SLVendors: Items[1]: is a string'],
    [{ Items: [{ VendNum: 'V1', Name: { '#text': 'Acme' } }] }, 'SLVendors: Items[0]: Name is an object, not text'],
    ['<html>502</html>', 'SLVendors: the IDO response is not a JSON object'],
    [[{ VendNum: 'V1' }], 'SLVendors: the IDO response is not a JSON object'],
  ];
  for (const [body, message] of cases) {
    await assert.rejects(
      clientAnswering(body).client.load('SLVendors', request),
      (e: unknown) => isMlcError(e, 'MLC_ION_MALFORMED_RESPONSE') && e.message === message,
      JSON.stringify(body),
    );
  }
});
