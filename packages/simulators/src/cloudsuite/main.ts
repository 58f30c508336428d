/**
 * Runs the CloudSuite simulator standalone:
 *   npm run sim:cloudsuite -- --port 4510 --tenants ACME_TST,BETA_TST:csi --records 5000 --seed 7
 */
import { Command } from 'commander';
import { buildCloudSuiteSimulator } from './cloudsuite-simulator.ts';
import type { CloudSuiteProduct } from './cloudsuite-tenant.ts';

const program = new Command()
  .name('sim:cloudsuite')
  .description('Infor CloudSuite (ION API + M3 MI REST + CSI IDO REST) simulator')
  .option('--port <port>', 'port to listen on', '4510')
  .option('--host <host>', 'interface to bind', '127.0.0.1')
  .option('--records <n>', 'records per tenant dataset (10..1000000)', '1000')
  .option('--seed <n>', 'dataset seed', '42')
  .option('--tenants <list>', 'tenants to create, comma-separated, each ID[:m3|csi]', 'DEMO_TST')
  .option('--public-url <url>', 'base URL to write into .ionapi files (default: request Host)')
  .parse();

const opts = program.opts<{
  port: string;
  host: string;
  records: string;
  seed: string;
  tenants: string;
  publicUrl?: string;
}>();
const sim = buildCloudSuiteSimulator({
  records: Number(opts.records),
  seed: Number(opts.seed),
  logger: false,
  ...(opts.publicUrl ? { publicBaseUrl: opts.publicUrl } : {}),
});
for (const spec of opts.tenants.split(',').filter(Boolean)) {
  const [tenantId = '', product = 'm3'] = spec.split(':');
  sim.addTenant({ tenantId, product: product as CloudSuiteProduct });
}
await sim.app.listen({ port: Number(opts.port), host: opts.host });
const base = opts.publicUrl ?? sim.baseUrl();
process.stdout.write(`CloudSuite simulator listening on ${base}\n`);
for (const t of sim.state.tenants.values()) {
  process.stdout.write(
    `  tenant ${t.tenantId} (${t.product}): curl -s ${base}/__sim/tenants/${t.tenantId}/ionapi > ${t.tenantId}.ionapi\n`,
  );
}
process.stdout.write(
  `  new tenant: curl -s -X POST ${base}/__sim/tenants -H 'content-type: application/json' -d '{"tenantId":"NEW_TST"}'\n`,
);
const stop = async () => {
  await sim.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
