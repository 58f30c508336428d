import { parseArgs } from 'node:util';
import { buildZendeskSimulator } from './zendesk-simulator.ts';

// Standalone Zendesk simulator: `npm run sim:zendesk -- --port 4010 [--host 127.0.0.1] [--account acme]`.
// Accounts are added with POST /__sim/accounts; `--account` creates one with a demo OAuth client.
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    host: { type: 'string', default: '127.0.0.1' },
    account: { type: 'string', multiple: true, default: [] },
  },
});

const simulator = buildZendeskSimulator({
  accounts: values.account.map((subdomain) => ({
    subdomain,
    oauthClients: [{ identifier: `${subdomain}-client`, secret: `${subdomain}-secret` }],
  })),
});
const url = await simulator.listen({ port: Number(values.port), host: values.host });
process.stdout.write(
  `Zendesk simulator listening on ${url} (accounts at ${url}/__account/{subdomain}, control at ${url}/__sim)\n`,
);

const stop = async () => {
  await simulator.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
