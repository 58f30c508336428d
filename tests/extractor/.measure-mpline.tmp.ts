import { startExtractorHarness } from './extractor-harness.ts';

const RECORDS = 20_000;
const harness = await startExtractorHarness({ pageSize: 500, records: RECORDS });
try {
  for (const [tenant, erpConfig] of [
    ['PERPO_TST', { m3LineSource: 'mi' }],
    ['TABLE_TST', {}],
  ] as const) {
    harness.simulator.addTenant({ tenantId: tenant, records: RECORDS });
    await harness.addTenant({ tenantId: tenant, erpConfig });
    const since = harness.simulator.requestLog.lastSeq;
    const started = Date.now();
    const result = await harness.service.scheduler.runTenantNow(tenant.toLowerCase().replace(/_/g, '-'));
    const ms = Date.now() - started;
    if (result.status !== 'ran') throw new Error(JSON.stringify(result));
    const entries = harness.simulator.requestLog.entries({ tenant, sinceSeq: since }).filter((e) => e.program !== null);
    const published = Object.values(result.summary.entities).reduce((s, e) => s + (e?.published ?? 0), 0);
    const po = result.summary.entities['purchase-order'];
    console.log(JSON.stringify({
      mode: tenant === 'PERPO_TST' ? 'PPS200MI/LstLine per PO' : 'EXPORTMI MPLINE by key range',
      status: result.summary.status,
      published,
      ionCalls: entries.length,
      poCalls: po?.apiCalls,
      poRecords: po?.published,
      seconds: ms / 1000,
      recordsPerSecond: Math.round(published / (ms / 1000)),
      poRecordsPerSecond: po ? Math.round(po.published / (po.durationMs / 1000)) : null,
    }));
  }
} finally {
  await harness.close();
}
