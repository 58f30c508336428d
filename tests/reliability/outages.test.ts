/**
 * Outages (issue #10): the Kafka broker, the schema registry and PostgreSQL each crash mid-run (one at a
 * time) and come back on their data; the run resumes and nothing is lost or duplicated in Zendesk. Each
 * scenario crashes a private server of its own: the shared ones serve other suites at the same time.
 *
 * The services run under a supervisor that restarts an exited process the way Kubernetes would; each
 * scenario says which exits it expects. Through a broker or a PostgreSQL crash every service stays up and
 * reconnects by itself. The registry is only needed when a process starts (running ones cache every schema
 * they use), so that scenario also SIGKILLs the loader while the registry is down: the supervisor restarts
 * it, and it must wait for the registry and then read the schema ids it finds on the topics.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { databaseUrl } from '../support/test-env.ts';
import { type OutageFigures, type OutageRunOptions, runOutage } from './support/outage-run.ts';
import { startPrivateKafka } from './support/private-kafka.ts';
import { startPrivatePostgres } from './support/private-postgres.ts';
import { startPrivateRegistry } from './support/private-registry.ts';

const SCENARIO = {
  records: 2000,
  // The outage lasts longer: the server's start-up (a SIGKILLed broker waits out its old session) comes on top.
  downMs: 5000,
  crashAtShare: 0.3,
  flowTimeoutMs: 90_000,
  convergeTimeoutMs: 90_000,
  log: (line: string) => process.stderr.write(`${line}\n`),
} satisfies Partial<OutageRunOptions>;
const SCENARIO_TIMEOUT_MS = 240_000;

function exitsOf(figures: OutageFigures): string[] {
  return figures.serviceExits.map((exit) => `${exit.service} ${exit.signal ?? `exit ${exit.code}`}`);
}

function assertNothingLostOrDuplicated(figures: OutageFigures): void {
  process.stderr.write(`${figures.server} outage figures: ${JSON.stringify(figures)}\n`);
  assert.ok(figures.inZendeskAtCrash < figures.expected, 'the crash came while records were still flowing');
  assert.equal(figures.converged, true, `the pipeline caught up after the ${figures.server} came back`);
  assert.equal(figures.lost, 0, `records lost: ${figures.examples.join(', ')}`);
  assert.equal(figures.rejected, 0, `records refused or dead-lettered: ${figures.failureReasons.join('; ')}`);
  assert.equal(figures.duplicates, 0, 'objects sharing an external id');
  assert.equal(figures.extra, 0, 'objects in Zendesk the dataset does not have');
  assert.equal(figures.stale, 0, 'records whose latest published version never reached Zendesk');
  assert.equal(figures.auditHistoryKeys, figures.inZendesk, 'posting_history has an applied posting per record');
  assert.equal(figures.auditTopicKeys, figures.expected, 'the audit topic has a state for every record');
}

test('a Kafka broker crash mid-run: the services stay up, the run resumes, nothing lost or duplicated', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const kafka = await startPrivateKafka();
  t.after(() => kafka.dispose());
  const figures = await runOutage({ ...SCENARIO, server: kafka, infra: { KAFKA_BROKERS: kafka.broker } });
  assertNothingLostOrDuplicated(figures);
  assert.deepEqual(exitsOf(figures), [], `no service exited: ${figures.exitReasons.join('; ')}`);
});

test('a registry crash mid-run, a loader restarting meanwhile: it waits for the registry, nothing lost', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const registry = await startPrivateRegistry(databaseUrl());
  t.after(() => registry.dispose());
  const figures = await runOutage({
    ...SCENARIO,
    server: registry,
    infra: { SCHEMA_REGISTRY_URL: registry.ccompatUrl },
    whileDown: (pipeline) => pipeline.kill('loader'),
  });
  assertNothingLostOrDuplicated(figures);
  assert.deepEqual(
    exitsOf(figures),
    ['loader SIGKILL'],
    `only the suite's own kill, restarted once: ${figures.exitReasons.join('; ')}`,
  );
  assert.equal(figures.failedStarts, 0, 'the restarted loader waited for the registry instead of giving up');
});

test('a PostgreSQL crash mid-run: the services stay up, the run resumes, nothing lost or duplicated', {
  timeout: SCENARIO_TIMEOUT_MS,
}, async (t) => {
  const postgres = await startPrivatePostgres();
  t.after(() => postgres.dispose());
  const figures = await runOutage({ ...SCENARIO, server: postgres, infra: { DATABASE_URL: postgres.url } });
  assertNothingLostOrDuplicated(figures);
  assert.deepEqual(exitsOf(figures), [], `no service exited: ${figures.exitReasons.join('; ')}`);
});
