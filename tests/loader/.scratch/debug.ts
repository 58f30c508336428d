import { buildZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import { loadConfig } from '@mlc/common/config';
import { createLogger } from '@mlc/common/logger';
import { LOADER_SERVICE_CONFIG, startLoader } from '@mlc/loader/loader-service';
import { addTenant, createLoaderStack, postingCount, produceChanges, supplierEvent, glAccountEvent, invoiceEvent } from '../loader-kafka-harness.ts';
const simulator = buildZendeskSimulator({}); await simulator.listen();
const stack = await createLoaderStack('dbg');
await addTenant(stack, simulator, 'dbg');
const loader = await startLoader({ config: loadConfig(LOADER_SERVICE_CONFIG, { ...stack.env, LOG_LEVEL: 'info' }), logger: createLogger({ name: 'loader', level: 'info' }) });
const events = [...Array.from({length: 2000}, (_, n) => supplierEvent('dbg', n)), ...Array.from({length: 2000}, (_, n) => glAccountEvent('dbg', n)), ...Array.from({length: 2000}, (_, n) => invoiceEvent('dbg', n, n))];
await produceChanges(stack, events);
for (let i = 0; i < 12; i++) { await new Promise(r => setTimeout(r, 1000)); { const e = simulator.requestLog.entries({account:'dbg'}); const st: Record<string, number> = {}; for (const x of e) st[x.route + ' ' + x.status] = (st[x.route + ' ' + x.status] ?? 0) + 1; console.log('count', await postingCount(stack, 'dbg'), JSON.stringify(st)); } }
console.log(simulator.requestLog.entries({account:'dbg'}).slice(0,10));
await loader.stop(); await stack.close(); await simulator.close();
