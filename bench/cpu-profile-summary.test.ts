import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { topSelfFrames } from './cpu-profile-summary.ts';

const AVSC_TYPES = pathToFileURL(resolve(import.meta.dirname, '..', 'node_modules/avsc/lib/types.js')).href;

function node(id: number, functionName: string, url = '', lineNumber = 0) {
  return { id, callFrame: { functionName, url, lineNumber } };
}

test('self time goes to the sampled frame for the gap after its sample, idle is a share and not ranked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cpu-profile-'));
  try {
    const file = join(dir, 'x.cpuprofile');
    const profile = {
      nodes: [
        node(1, '(root)'),
        node(2, '(idle)'),
        node(3, 'mapRecord', AVSC_TYPES, 9),
        node(4, 'parse', 'node:internal/url', 1),
      ],
      startTime: 0,
      endTime: 10_000,
      // Samples 3, 3, 2, 4 lasting 1000, 3000, 4000, 2000 µs (each sample's duration is the next delta).
      samples: [3, 3, 2, 4, 1],
      timeDeltas: [0, 1000, 3000, 4000, 2000],
    };
    writeFileSync(file, JSON.stringify(profile));
    const summary = topSelfFrames(file, 10);
    assert.equal(summary.totalMs, 10);
    assert.equal(summary.idleShare, 0.4);
    assert.deepEqual(
      summary.frames.map((f) => [f.frame, f.selfMs]),
      [
        ['mapRecord node_modules/avsc/lib/types.js:10', 4],
        ['parse node:internal/url:2', 2],
      ],
    );
    assert.deepEqual(summary.byArea, { avsc: 0.4, 'node internals': 0.2 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
