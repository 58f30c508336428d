import type { FastifyInstance } from 'fastify';
import type { AddAccountOptions } from './account-state.ts';
import type { FaultRule } from './fault-injector.ts';
import type { ZendeskSimulator } from './zendesk-simulator.ts';

// Control endpoints under /__sim for tests in another process and `npm start`: accounts, faults,
// request log, inspection. They are not part of the Zendesk API and need no authentication.
export function registerAdminRoutes(app: FastifyInstance, simulator: ZendeskSimulator): void {
  const missing = (reply: { code(status: number): unknown }) => {
    reply.code(404);
    return { error: 'UnknownAccount' };
  };

  app.post('/__sim/accounts', async (request, reply) => {
    const options = request.body as AddAccountOptions;
    try {
      simulator.addAccount(options);
    } catch (error) {
      reply.code(400);
      return { error: 'InvalidAccount', description: error instanceof Error ? error.message : String(error) };
    }
    reply.code(201);
    return { subdomain: options.subdomain, baseUrl: simulator.baseUrl(options.subdomain) };
  });

  app.get('/__sim/accounts', async () => ({ accounts: [...simulator.state.accounts.keys()] }));

  app.get<{ Params: { subdomain: string } }>('/__sim/accounts/:subdomain/state', async (request, reply) => {
    const inspection = simulator.inspect(request.params.subdomain);
    return inspection ?? missing(reply);
  });

  app.patch<{ Params: { subdomain: string } }>('/__sim/accounts/:subdomain', async (request, reply) => {
    const account = simulator.state.accounts.get(request.params.subdomain);
    if (!account) return missing(reply);
    const changes = (request.body ?? {}) as Partial<Record<string, unknown>>;
    if (typeof changes.bulkUserImportEnabled === 'boolean')
      account.bulkUserImportEnabled = changes.bulkUserImportEnabled;
    if (typeof changes.searchIndexDelayMs === 'number') account.searchIndexDelayMs = changes.searchIndexDelayMs;
    if (typeof changes.jobQueuedMs === 'number') account.jobQueuedMs = changes.jobQueuedMs;
    if (typeof changes.jobWorkingMs === 'number') account.jobWorkingMs = changes.jobWorkingMs;
    return { subdomain: account.subdomain };
  });

  app.post<{ Params: { subdomain: string } }>('/__sim/accounts/:subdomain/revoke-tokens', async (request) => ({
    revoked: simulator.revokeTokens(request.params.subdomain),
  }));

  app.get('/__sim/faults', async () => ({ rules: simulator.faults.rules() }));
  app.put('/__sim/faults', async (request, reply) => {
    try {
      simulator.faults.setRules(((request.body ?? {}) as { rules?: FaultRule[] }).rules ?? []);
    } catch (error) {
      reply.code(400);
      return { error: 'InvalidFaultRules', description: error instanceof Error ? error.message : String(error) };
    }
    return { rules: simulator.faults.rules() };
  });
  app.delete('/__sim/faults', async () => {
    simulator.faults.setRules([]);
    return { rules: [] };
  });

  app.get('/__sim/requests', async (request) => {
    const account = (request.query as { account?: string }).account;
    return { requests: simulator.requestLog.entries(account === undefined ? {} : { account }) };
  });
  app.delete('/__sim/requests', async () => {
    simulator.requestLog.clear();
    return { cleared: true };
  });
}
