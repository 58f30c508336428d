import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ALL_CONFIG_DEFINITIONS } from '../../packages/common/src/config-definitions.ts';
import {
  configTableSection,
  README_PATH,
  readmeConfigSection,
  renderConfigTable,
  TABLE_END,
  TABLE_START,
} from '../../scripts/config-table.ts';

const readme = existsSync(README_PATH) ? readFileSync(README_PATH, 'utf8') : '';
const section = readmeConfigSection(readme);

test('the README configuration table matches the config declarations', {
  skip:
    section === undefined &&
    `README.md has no ${TABLE_START} … ${TABLE_END} section yet; add the markers, then run: node --import tsx scripts/config-table.ts --write`,
}, () => {
  assert.equal(
    section,
    configTableSection(),
    'README table is stale: run `node --import tsx scripts/config-table.ts --write`',
  );
});

test('the generated table lists every declared variable once, secrets flagged and their values never shown', () => {
  const table = renderConfigTable();
  for (const area of ALL_CONFIG_DEFINITIONS) {
    assert.ok(table.includes(`#### ${area.area}`));
    for (const variable of Object.values(area.definitions)) {
      const rows = table.split('\n').filter((line) => line.startsWith(`| \`${variable.env}\` |`));
      assert.equal(rows.length, 1, `${variable.env} appears ${rows.length} times`);
      assert.equal(rows[0]?.endsWith('| yes |'), variable.secret, `${variable.env} secret flag`);
    }
  }
  assert.match(table, /\| `LOADER_BATCH_SIZE` \| integer >= 1 and <= 100 \| `100` \|/);
  assert.match(
    table,
    /\| `KAFKA_SASL_MECHANISM` \| none \\\| plain \\\| scram-sha-256 \\\| scram-sha-512 \| `none` \|/,
  );
});

test('a README section is found only between both markers', () => {
  assert.equal(readmeConfigSection('# no table here'), undefined);
  assert.equal(readmeConfigSection(`x\n${TABLE_START}\nold\n${TABLE_END}\ny`), `${TABLE_START}\nold\n${TABLE_END}`);
});
