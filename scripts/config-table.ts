import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConfigVar } from '../packages/common/src/config.ts';
import { ALL_CONFIG_DEFINITIONS, type ConfigArea } from '../packages/common/src/config-definitions.ts';

/**
 * The README's configuration table, generated from the config declarations. Prints it, or with `--write`
 * replaces the README section between the markers:
 *   node --import tsx scripts/config-table.ts [--write]
 */
export const TABLE_START = '<!-- config-table:start -->';
export const TABLE_END = '<!-- config-table:end -->';
export const README_PATH = resolve(fileURLToPath(new URL('..', import.meta.url)), 'README.md');

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function defaultCell(variable: ConfigVar<unknown>): string {
  if (variable.default !== undefined) return variable.secret ? '(set)' : `\`${cell(variable.show(variable.default))}\``;
  if (variable.requiredWhen !== undefined) return `required when ${cell(variable.requiredWhen.when)}`;
  return variable.optional ? '(unset)' : '**required**';
}

export function renderConfigTable(areas: readonly ConfigArea[] = ALL_CONFIG_DEFINITIONS): string {
  const sections = areas.map((area) => {
    const rows = Object.values(area.definitions).map(
      (variable) =>
        `| \`${variable.env}\` | ${cell(variable.accepts)} | ${defaultCell(variable)} | ${cell(variable.description)} | ${variable.secret ? 'yes' : ''} |`,
    );
    return [
      `#### ${area.area}`,
      '',
      '| Variable | Accepts | Default | Description | Secret |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n');
  });
  return `${sections.join('\n\n')}\n`;
}

/** The generated section with its markers, as it must appear in the README. */
export function configTableSection(): string {
  return `${TABLE_START}\n${renderConfigTable()}${TABLE_END}`;
}

/** The README's current section (markers included), or undefined when the markers are absent. */
export function readmeConfigSection(readme: string): string | undefined {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return readme.slice(start, end + TABLE_END.length);
}

/** Rewrites the README section from the declarations; returns whether the file changed. */
export function updateReadmeConfigTable(readmePath: string = README_PATH): boolean {
  const readme = readFileSync(readmePath, 'utf8');
  const current = readmeConfigSection(readme);
  if (current === undefined) {
    throw new Error(`${readmePath} has no ${TABLE_START} … ${TABLE_END} section to fill`);
  }
  const generated = configTableSection();
  if (current === generated) return false;
  writeFileSync(readmePath, readme.replace(current, generated));
  return true;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (process.argv.includes('--write')) {
    const changed = updateReadmeConfigTable();
    process.stdout.write(
      changed ? 'README.md configuration table updated\n' : 'README.md configuration table is current\n',
    );
  } else {
    process.stdout.write(renderConfigTable());
  }
}
