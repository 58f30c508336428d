/**
 * Measures generating (and reading every record of) a dataset of N records: time and peak RSS.
 *   node --import tsx packages/simulators/src/cloudsuite/dataset-size-check.ts [records]
 * Prints one JSON line. Records are generated lazily, so memory stays flat whatever N is.
 */
import { DistributorDataset } from './distributor-dataset.ts';
import { DATASET_ENTITIES } from './distributor-records.ts';
import { customerMi, glAccountMi, invoiceFpledgRow, purchaseOrderHeadMi, supplierMi } from './m3-record-views.ts';

const records = Number(process.argv[2] ?? 1_000_000);
let peakRss = process.memoryUsage().rss;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const startRss = process.memoryUsage().rss;
const started = performance.now();
const dataset = new DistributorDataset({ records, seed: 42 });
let generated = 0;
let bytes = 0;
for (const entity of DATASET_ENTITIES) {
  for (const i of dataset.scan(entity)) {
    const view =
      entity === 'supplier'
        ? supplierMi(dataset.record('supplier', i))
        : entity === 'customer'
          ? customerMi(dataset.record('customer', i))
          : entity === 'invoice'
            ? invoiceFpledgRow(dataset.record('invoice', i))
            : entity === 'purchase-order'
              ? purchaseOrderHeadMi(dataset.record('purchase-order', i))
              : glAccountMi(dataset.record('gl-account', i));
    bytes += JSON.stringify(view).length;
    generated += 1;
    if (generated % 50_000 === 0) sample();
  }
}
const mutateStarted = performance.now();
dataset.mutate('supplier', { change: 1000, delete: 100, add: 100 });
dataset.mutate('invoice', { change: 10_000 });
const mutateMs = performance.now() - mutateStarted;
sample();
process.stdout.write(
  `${JSON.stringify({
    records,
    generated,
    counts: dataset.counts(),
    jsonBytes: bytes,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    mutateMs: Number(mutateMs.toFixed(1)),
    startRssMb: Math.round(startRss / 1e6),
    peakRssMb: Math.round(peakRss / 1e6),
  })}\n`,
);
