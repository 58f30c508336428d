/**
 * The crash soak's CI size: 3,000 records, the loader and the extractor each SIGKILLed at random points
 * (three times each) and restarted while records keep changing. `npm run soak` runs the long version.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCrashSoak } from './crash-soak.ts';

const REFUSAL_BY_ZENDESK = /has already been taken|does not reference an existing record|OrganizationNotWritten/;

test('SIGKILLed loaders and extractors lose nothing and duplicate nothing in Zendesk', {
  timeout: 115_000,
}, async () => {
  const figures = await runCrashSoak({
    records: 3000,
    killsPerService: 3,
    killGapMs: [300, 1500],
    changesPerKill: 15,
    convergeTimeoutMs: 45_000,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stderr.write(`crash soak figures: ${JSON.stringify(figures)}\n`);
  assert.equal(figures.kills.extractor, 3);
  assert.equal(figures.kills.loader, 3);
  assert.equal(figures.converged, true, 'the pipeline caught up after the kills');
  assert.equal(figures.lost, 0, `records lost: ${figures.examples.join(', ')}`);
  assert.equal(figures.duplicates, 0, 'objects sharing an external id');
  assert.equal(figures.extra, 0, 'objects in Zendesk the dataset does not have');
  assert.equal(figures.stale, 0, 'records whose latest published version never reached Zendesk');
  assert.equal(figures.auditHistoryKeys, figures.inZendesk, 'posting_history has an applied posting per record');
  assert.equal(figures.auditTopicKeys, figures.expected, 'the audit topic has a state for every record');
  // Records Zendesk refused are not crash damage: a data problem (see the report), each with its audit entry.
  for (const reason of figures.failureReasons) assert.match(reason, REFUSAL_BY_ZENDESK);
});
