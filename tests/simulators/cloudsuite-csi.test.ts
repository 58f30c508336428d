import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCloudSuite } from './cloudsuite-test-session.ts';

const CONFIG = { 'x-infor-mongooseconfig': 'ACME_TST_DALS' };

interface IdoBody {
  Items: Record<string, string>[] | null;
  Bookmark: string | null;
  MoreRowsExist: boolean;
  Success: boolean;
  Message: string | null;
  MessageCode: number;
}

test('SLVendors load pages with bookmark and loadtype=NEXT until MoreRowsExist is false', async (t) => {
  const s = await startCloudSuite({ product: 'csi' });
  t.after(() => s.close());
  const expected = s.sim.tenant('ACME_TST').dataset.count('supplier');
  const seen: string[] = [];
  let bookmark: string | null = null;
  for (let page = 0; page < 50; page += 1) {
    const qs = new URLSearchParams({ properties: 'VendNum,Name,RecordDate', recordcap: '25' });
    if (bookmark) {
      qs.set('loadtype', 'NEXT');
      qs.set('bookmark', bookmark);
    }
    const res = await s.get(`/CSI/IDORequestService/ido/load/SLVendors?${qs}`, { headers: CONFIG });
    assert.equal(res.status, 200);
    const body = (await res.json()) as IdoBody;
    assert.equal(body.Success, true);
    for (const item of body.Items!) {
      assert.deepEqual(Object.keys(item), ['VendNum', 'Name', 'RecordDate', '_ItemId']);
      assert.match(item.RecordDate!, /^\d{8} \d{2}:\d{2}:\d{2}\.\d{3}$/);
      seen.push(item.VendNum!);
    }
    bookmark = body.Bookmark;
    if (!body.MoreRowsExist) break;
  }
  assert.equal(seen.length, expected);
  assert.equal(new Set(seen).size, expected);
});

test('a RecordDate filter after a mutation returns exactly the changed records', async (t) => {
  const s = await startCloudSuite({ product: 'csi' });
  t.after(() => s.close());
  const dataset = s.sim.tenant('ACME_TST').dataset;
  const before = new Date(dataset.maxChangedMs('invoice')).toISOString().replace('T', ' ').replace('Z', '');
  const { changed } = dataset.mutate('invoice', { change: 9 });
  const filter = `RecordDate > '${before}'`;
  const res = await s.get(
    `/CSI/IDORequestService/ido/load/SLAptrxps?${new URLSearchParams({ properties: 'InvNum,RecordDate', filter, recordcap: '0' })}`,
    {
      headers: CONFIG,
    },
  );
  const body = (await res.json()) as IdoBody;
  assert.equal(body.Success, true, body.Message ?? '');
  assert.deepEqual(body.Items!.map((i) => i.InvNum).sort(), [...changed].sort());
});

test('every IDO the connector reads is served', async (t) => {
  const s = await startCloudSuite({ product: 'csi' });
  t.after(() => s.close());
  for (const ido of ['SLVendors', 'SLCustomers', 'SLPos', 'SLPoitems', 'SLAptrxps', 'SLChartAccts']) {
    const res = await s.get(`/CSI/IDORequestService/ido/load/${ido}?recordcap=3`, { headers: CONFIG });
    const body = (await res.json()) as IdoBody;
    assert.equal(body.Success, true, `${ido}: ${body.Message}`);
    assert.equal(body.Items!.length, 3, ido);
    assert.equal(body.MoreRowsExist, true, ido);
  }
});

test('a load without X-Infor-MongooseConfig is refused', async (t) => {
  const s = await startCloudSuite({ product: 'csi' });
  t.after(() => s.close());
  const res = await s.get('/CSI/IDORequestService/ido/load/SLVendors');
  assert.equal(res.status, 400);
  const body = (await res.json()) as IdoBody;
  assert.equal(body.Success, false);
  assert.match(body.Message!, /X-Infor-MongooseConfig/);
});

test('unknown properties and unparseable filters fail with Success false', async (t) => {
  const s = await startCloudSuite({ product: 'csi' });
  t.after(() => s.close());
  const prop = (await (
    await s.get('/CSI/IDORequestService/ido/load/SLVendors?properties=Nope', { headers: CONFIG })
  ).json()) as IdoBody;
  assert.equal(prop.Success, false);
  const filter = encodeURIComponent("RecordDate >= '2024-01-01' OR 1=1");
  const bad = (await (
    await s.get(`/CSI/IDORequestService/ido/load/SLVendors?filter=${filter}`, { headers: CONFIG })
  ).json()) as IdoBody;
  assert.equal(bad.Success, false);
  assert.match(bad.Message!, /IllegalFilterException/);
});
