import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PurchaseOrderPayload } from '@mlc/common/entities';
import { createM3Adapter } from '@mlc/extractor/m3/m3-adapter';
import type { M3MiClient } from '@mlc/extractor/m3/m3-mi-client';
import { miRecords } from '@mlc/extractor/m3/mi-response';
import { DistributorDataset } from '@mlc/simulators/cloudsuite/distributor-dataset';
import { MI_PROGRAMS } from '@mlc/simulators/cloudsuite/m3-transactions';

/** The simulator's MI transactions called in-process, counting calls per program/transaction. */
function inProcessMi(dataset: DistributorDataset) {
  const calls = new Map<string, number>();
  const queries: string[] = [];
  const mi: M3MiClient = {
    async execute(program, transaction, inputs, options) {
      const name = `${program}/${transaction}`;
      calls.set(name, (calls.get(name) ?? 0) + 1);
      if (inputs.QERY !== undefined) queries.push(inputs.QERY);
      const run = MI_PROGRAMS[program]?.transactions[transaction];
      if (run === undefined) throw new Error(`no ${name}`);
      const outcome = run.run({ dataset, inputs, maxrecs: options.maxrecs });
      const body =
        'error' in outcome
          ? { results: [{ ...outcome.error }], nrOfFailedTransactions: 1 }
          : { results: [{ transaction, records: outcome.records }], nrOfFailedTransactions: 0 };
      return miRecords(body, name);
    },
  };
  return { mi, calls, queries };
}

async function listAll(adapter: ReturnType<typeof createM3Adapter>) {
  const orders: PurchaseOrderPayload[] = [];
  let cursor: string | undefined;
  do {
    const page = await adapter.listChanges('purchase-order', null, cursor);
    assert.deepEqual(page.rejected, []);
    orders.push(...page.records.map((r) => r.payload));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return orders;
}

function expectedLines(dataset: DistributorDataset, poNumber: string) {
  return (dataset.find('purchase-order', poNumber)?.lines ?? []).map((l) => l.lineNumber);
}

test('PO lines come from MPLINE by key range: EXPORTMI calls per page of lines, every line of every PO', async () => {
  const dataset = new DistributorDataset({ records: 600, seed: 7 });
  const pos = dataset.count('purchase-order');
  // A page of 7 rows ends inside most POs, so paging must resume within a PO by line number.
  const { mi, calls, queries } = inProcessMi(dataset);
  const orders = await listAll(createM3Adapter({ mi, pageSize: 7 }));
  assert.equal(orders.length, pos);
  for (const order of orders) {
    assert.deepEqual(
      order.lines.map((l) => l.lineNumber),
      expectedLines(dataset, order.poNumber),
      `lines of ${order.poNumber}`,
    );
  }
  assert.equal(calls.get('PPS200MI/LstLine') ?? 0, 0, 'no per-PO line call');
  const lineRows = orders.reduce((sum, o) => sum + o.lines.length, 0);
  const lineCalls = queries.filter((q) => q.includes('from MPLINE')).length;
  assert.ok(lineCalls < pos, `${lineCalls} MPLINE calls for ${pos} POs`);
  assert.ok(lineCalls <= Math.ceil(lineRows / 7) * 2 + Math.ceil(pos / 7), `${lineCalls} MPLINE calls`);
  assert.ok(
    queries.some((q) => /IBPUNO = '[^']+' and IBPNLI >= \d+/.test(q)),
    'resumed inside a PO',
  );
});

test('a tenant configured for per-PO lines calls PPS200MI/LstLine once per PO and gets the same payloads', async () => {
  const dataset = new DistributorDataset({ records: 300, seed: 11 });
  const table = inProcessMi(dataset);
  const perRecord = inProcessMi(dataset);
  const fromTable = await listAll(createM3Adapter({ mi: table.mi, pageSize: 25 }));
  const fromMi = await listAll(createM3Adapter({ mi: perRecord.mi, pageSize: 25, linesPerRecord: true }));
  assert.deepEqual(fromTable, fromMi);
  assert.equal(perRecord.calls.get('PPS200MI/LstLine'), dataset.count('purchase-order'));
  assert.equal(table.calls.get('PPS200MI/LstLine') ?? 0, 0);
});

test('only changed POs get lines: unchanged heads of the page are skipped and cost no line rows', async () => {
  const dataset = new DistributorDataset({ records: 300, seed: 3 });
  const { mi, queries } = inProcessMi(dataset);
  const keys = new Set<string>();
  for (let i = 0; i < dataset.count('purchase-order'); i += 1) keys.add(dataset.keyOf('purchase-order', i));
  const all = [...keys];
  const changed = new Set([all[3], all[5]]);
  const adapter = createM3Adapter({
    mi,
    pageSize: 500,
    publishedAtVersion: async (_entity, candidates) =>
      new Set(candidates.filter((c) => !changed.has(c.naturalKey)).map((c) => c.naturalKey)),
  });
  const page = await adapter.listChanges('purchase-order', null, undefined);
  assert.deepEqual(page.records.map((r) => r.naturalKey).sort(), [...changed].sort());
  const lineQuery = queries.find((q) => q.includes('from MPLINE')) ?? '';
  assert.match(lineQuery, new RegExp(`IBPUNO >= '${all[3]}' and IBPUNO <= '${all[5]}'`));
  for (const record of page.records) {
    assert.deepEqual(
      (record.payload as PurchaseOrderPayload).lines.map((l) => l.lineNumber),
      expectedLines(dataset, record.naturalKey),
    );
  }
});
