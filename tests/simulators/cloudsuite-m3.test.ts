import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCloudSuite } from './cloudsuite-test-session.ts';

interface MiBody {
  results: {
    transaction: string;
    records: Record<string, string>[];
    errorMessage?: string;
    errorType?: string;
    errorCode?: string;
    errorField?: string;
  }[];
  wasTerminated: boolean;
  nrOfSuccessfullTransactions: number;
  nrOfFailedTransactions: number;
}

async function miOk(res: Response): Promise<Record<string, string>[]> {
  assert.equal(res.status, 200);
  const body = (await res.json()) as MiBody;
  assert.equal(body.nrOfFailedTransactions, 0, JSON.stringify(body.results[0]));
  assert.equal(body.nrOfSuccessfullTransactions, 1);
  assert.equal(body.wasTerminated, false);
  for (const r of body.results[0]!.records) for (const v of Object.values(r)) assert.equal(typeof v, 'string');
  return body.results[0]!.records;
}

async function miError(res: Response) {
  assert.equal(res.status, 200);
  const body = (await res.json()) as MiBody;
  assert.equal(body.nrOfFailedTransactions, 1);
  assert.equal(body.nrOfSuccessfullTransactions, 0);
  assert.deepEqual(body.results[0]!.records, []);
  return body.results[0]!;
}

test('each MI transaction answers in the v2 shape with string values', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const suppliers = await miOk(await s.mi('CRS620MI/LstSuppliers', { maxrecs: '5' }));
  assert.equal(suppliers.length, 5);
  assert.match(suppliers[0]!.LMTS!, /^\d{17}$/);
  assert.match(suppliers[0]!.LMDT!, /^\d{8}$/);
  const suno = suppliers[2]!.SUNO!;
  const basic = await miOk(await s.mi('CRS620MI/GetBasicData', { SUNO: suno }));
  assert.equal(basic[0]!.SUNM, suppliers[2]!.SUNM);
  const customers = await miOk(await s.mi('CRS610MI/LstByNumber', { maxrecs: '3' }));
  assert.ok(customers[0]!.CUNO && customers[0]!.CUNM);
  const heads = await miOk(await s.mi('PPSSPPMI/LstSupHead', { maxrecs: '2' }));
  const puno = heads[0]!.PUNO!;
  assert.equal((await miOk(await s.mi('PPS200MI/GetHead', { PUNO: puno })))[0]!.SUNO, heads[0]!.SUNO);
  const lines = await miOk(await s.mi('PPS200MI/LstLine', { PUNO: puno }));
  assert.ok(lines.length >= 1 && lines.every((l) => l.PUNO === puno && l.ITNO && l.LNAM));
  const accounts = await miOk(await s.mi('CRS630MI/LstAccountID', { AITP: '1', maxrecs: '0' }));
  assert.equal(accounts.length, s.sim.tenant('ACME_TST').dataset.count('gl-account'));
  const tx = await miOk(await s.mi('MRS001MI/LstTransactions', { MINM: 'CRS620MI' }));
  assert.deepEqual(tx.map((r) => r.TRNM).sort(), ['GetBasicData', 'LstSuppliers']);
});

test('maxrecs defaults to 100, 0 means all, and works as a matrix parameter too', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const total = s.sim.tenant('ACME_TST').dataset.count('customer');
  assert.ok(total > 100);
  assert.equal((await miOk(await s.mi('CRS610MI/LstByNumber'))).length, 100);
  assert.equal((await miOk(await s.mi('CRS610MI/LstByNumber', { maxrecs: '0' }))).length, total);
  assert.equal((await miOk(await s.mi('CRS610MI/LstByNumber;maxrecs=7;returncols=CUNO,CUNM'))).length, 7);
});

test('returncols, excludeempty, righttrim and dateformat shape the records', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const [r] = await miOk(await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1', returncols: 'SUNO,SUNM,LMDT' }));
  assert.deepEqual(Object.keys(r!), ['SUNO', 'SUNM', 'LMDT']);
  const [padded] = await miOk(
    await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1', righttrim: 'false', returncols: 'SUNM' }),
  );
  assert.equal(padded!.SUNM!.length, 36);
  const [dmy] = await miOk(
    await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1', dateformat: 'DMY8', returncols: 'LMDT' }),
  );
  assert.equal(dmy!.LMDT, `${r!.LMDT!.slice(6, 8)}${r!.LMDT!.slice(4, 6)}${r!.LMDT!.slice(0, 4)}`);
  const [lean] = await miOk(await s.mi('CRS620MI/LstSuppliers', { maxrecs: '1', excludeempty: 'true' }));
  assert.ok(!('TFNO' in lean!));
});

test('MI errors come with HTTP 200 and the error fields', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const notFound = await miError(await s.mi('CRS620MI/GetBasicData', { SUNO: 'NOSUCH' }));
  assert.equal(notFound.errorType, 'ServerReturnedNOK');
  assert.equal(notFound.errorField, 'SUNO');
  assert.match(notFound.errorMessage!, /NOSUCH/);
  const missing = await miError(await s.mi('PPS200MI/GetHead'));
  assert.equal(missing.errorType, 'MandatoryInputFieldNotFound');
  assert.equal(missing.errorField, 'PUNO');
  const tooLong = await miError(await s.mi('CRS620MI/GetBasicData', { SUNO: 'X'.repeat(11) }));
  assert.equal(tooLong.errorType, 'InputFieldTooLong');
  const badLmts = await miError(await s.mi('CRS620MI/LstSuppliers', { LMTS: 'yesterday' }));
  assert.equal(badLmts.errorField, 'LMTS');
  const company = await miError(await s.mi('CRS620MI/LstSuppliers', { cono: '200' }));
  assert.equal(company.errorCode, 'XAU0008');
  assert.equal(company.errorField, 'CONO');
});

test('an unknown program or transaction is an MI error, not an HTTP error', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const program = await miError(await s.mi('NOPE99MI/LstThings'));
  assert.match(program.errorMessage!, /NOPE99MI/);
  const transaction = await miError(await s.mi('CRS620MI/LstNothing'));
  assert.equal(transaction.errorType, 'TransactionNotFound');
});

test('after N supplier changes, LstSuppliers with the previous highest LMTS returns exactly those N', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const all = await miOk(await s.mi('CRS620MI/LstSuppliers', { maxrecs: '0', returncols: 'SUNO,LMTS' }));
  const watermark = all
    .map((r) => r.LMTS!)
    .sort()
    .at(-1)!;
  assert.deepEqual(await miOk(await s.mi('CRS620MI/LstSuppliers', { LMTS: watermark })), []);
  const mutation = await fetch(`${s.ionapi.iu}/__sim/tenants/ACME_TST/entities/supplier/mutations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ change: 17 }),
  });
  const { changed } = (await mutation.json()) as { changed: string[] };
  assert.equal(changed.length, 17);
  const delta = await miOk(await s.mi('CRS620MI/LstSuppliers', { LMTS: watermark, maxrecs: '0' }));
  assert.deepEqual(delta.map((r) => r.SUNO).sort(), [...changed].sort());
  assert.ok(delta.every((r) => r.LMTS! > watermark));
});

test('EXPORTMI/Select returns REPL rows joined by SEPC and pages by key cursor', async (t) => {
  const s = await startCloudSuite();
  t.after(() => s.close());
  const dataset = s.sim.tenant('ACME_TST').dataset;
  const expected = dataset.count('invoice');
  const seen: string[] = [];
  let cursor = '';
  for (let page = 0; page < 100; page += 1) {
    const where = cursor ? ` where EPLMTS > 0 and EPSINO > '${cursor}'` : ' where EPLMTS > 0';
    const records = await miOk(
      await s.mi('EXPORTMI/Select', {
        QERY: `EPSPYN, EPSINO, EPCUAM, EPLMTS from FPLEDG${where}`,
        SEPC: '|',
        maxrecs: '100',
      }),
    );
    if (records.length === 0) break;
    for (const r of records) {
      const cols = r.REPL!.split('|');
      assert.equal(cols.length, 4);
      seen.push(cols[1]!);
    }
    cursor = seen.at(-1)!;
    if (records.length < 100) break;
  }
  assert.equal(seen.length, expected);
  assert.equal(new Set(seen).size, expected);
  assert.deepEqual([...seen].sort(), seen);
  const header = await miOk(
    await s.mi('EXPORTMI/Select', { QERY: 'EPSUNO, EPSINO from FPLEDG', HDRS: '1', maxrecs: '1' }),
  );
  assert.deepEqual(
    header.map((r) => r.REPL!.split(';').length),
    [2, 2],
  );
  assert.equal(header[0]!.REPL, 'EPSUNO;EPSINO');
  const bad = await miError(await s.mi('EXPORTMI/Select', { QERY: 'EPXXXX from FPLEDG' }));
  assert.equal(bad.errorField, 'QERY');
  const noTable = await miError(await s.mi('EXPORTMI/Select', { QERY: 'X from NOTABLE' }));
  assert.match(noTable.errorMessage!, /NOTABLE/);
});
