import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

const parsed = instructions(dockerfile);
const argDefaults = new Map(
  parsed
    .filter((instruction) => instruction.keyword === 'ARG' && instruction.args.includes('='))
    .map((instruction) => {
      const [name = '', value = ''] = instruction.args.split('=');
      return [name, value.replace(/^"|"$/g, '')] as const;
    }),
);

function resolveArgs(value: string): string {
  return value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => argDefaults.get(name) ?? whole);
}

const stageNames = new Set(
  parsed
    .filter((instruction) => instruction.keyword === 'FROM')
    .map((instruction) => /\sAS\s+(\S+)/i.exec(instruction.args)?.[1])
    .filter((name): name is string => name !== undefined),
);

/** Does a semver range such as ">=24 <25", "^24.1", "24.x" or "24" admit this version? */
function rangeAdmits(range: string, version: [number, number, number]): boolean {
  const compare = (a: number[], b: number[]) => {
    for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    return 0;
  };
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .every((comparator) => {
        const match = /^(>=|<=|>|<|=|\^|~)?v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(comparator);
        if (!match) throw new Error(`unsupported range comparator ${comparator}`);
        const [, operator = '', major, minor, patch] = match;
        const bound = [Number(major), Number(minor) || 0, Number(patch) || 0];
        const c = compare(version, bound);
        const wildcardMinor = minor === undefined || minor === 'x' || minor === '*';
        switch (operator) {
          case '>=':
            return c >= 0;
          case '>':
            return c > 0;
          case '<=':
            return c <= 0;
          case '<':
            return c < 0;
          case '^':
            return c >= 0 && version[0] === bound[0];
          case '~':
            return c >= 0 && version[0] === bound[0] && (wildcardMinor || version[1] === bound[1]);
          default:
            return version[0] === bound[0] && (wildcardMinor || version[1] === bound[1]);
        }
      }),
  );
}

test('every stage of the image builds on Node 24', () => {
  const bases = parsed
    .filter((instruction) => instruction.keyword === 'FROM')
    .map((instruction) => resolveArgs(instruction.args.split(/\s+/).find((word) => !word.startsWith('--')) ?? ''))
    .filter((image) => !stageNames.has(image));
  assert.ok(bases.length > 0);
  for (const image of bases)
    assert.match(image, /^(docker\.io\/(library\/)?)?node:24(\.\d+)*(-[a-z0-9.-]+)?(@sha256:[0-9a-f]{64})?$/);
});

test('.nvmrc and package.json engines both require Node 24', () => {
  assert.equal(readFileSync(join(repoRoot, '.nvmrc'), 'utf8').trim().replace(/^v/, ''), '24');
  const engines = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines?: { node?: string } })
    .engines?.node;
  assert.ok(engines, 'package.json has no engines.node');
  assert.ok(rangeAdmits(engines, [24, 0, 0]) || rangeAdmits(engines, [24, 11, 0]), `${engines} must admit Node 24`);
  assert.equal(rangeAdmits(engines, [22, 20, 0]), false, `${engines} must reject Node 22`);
  assert.equal(rangeAdmits(engines, [25, 0, 0]), false, `${engines} must reject Node 25`);
});

test('the engines check understands the usual range forms', () => {
  assert.equal(rangeAdmits('>=24 <25', [24, 3, 1]), true);
  assert.equal(rangeAdmits('>=24 <25', [25, 0, 0]), false);
  assert.equal(rangeAdmits('^24.1', [24, 0, 9]), false);
  assert.equal(rangeAdmits('24.x', [24, 9, 0]), true);
  assert.equal(rangeAdmits('>=20', [25, 0, 0]), true);
});

test('the dependency stage copies the package.json of every workspace before npm ci', () => {
  const rootPackage = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
  const workspaces = rootPackage.workspaces.flatMap((pattern) => {
    const parent = pattern.replace(/\/\*$/, '');
    return readdirSync(join(repoRoot, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(repoRoot, parent, entry.name, 'package.json')))
      .map((entry) => `${parent}/${entry.name}/package.json`);
  });
  const npmCi = parsed.findIndex((instruction) => instruction.keyword === 'RUN' && /\bnpm ci\b/.test(instruction.args));
  assert.ok(npmCi >= 0, 'no RUN npm ci');
  const stageStart = parsed.findLastIndex((instruction, index) => index < npmCi && instruction.keyword === 'FROM');
  const copiedBeforeNpmCi = parsed
    .slice(stageStart, npmCi)
    .filter((instruction) => instruction.keyword === 'COPY' && !instruction.args.includes('--from'))
    .flatMap((instruction) => instruction.args.split(/\s+/).slice(0, -1));
  assert.ok(copiedBeforeNpmCi.includes('package-lock.json'), 'npm ci needs the lockfile');
  const copied = copiedBeforeNpmCi.filter((source) => /^(packages|services)\/[^/]+\/package\.json$/.test(source));
  assert.deepEqual([...new Set(copied)].sort(), workspaces.sort());
  assert.match(parsed[npmCi]?.args ?? '', /--ignore-scripts/);
});

test('every COPY source exists and is not excluded by .dockerignore', () => {
  const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const sources = parsed
    .filter((instruction) => instruction.keyword === 'COPY' && !instruction.args.includes('--from'))
    .flatMap((instruction) =>
      instruction.args
        .split(/\s+/)
        .filter((word) => !word.startsWith('--'))
        .slice(0, -1),
    );
  assert.ok(sources.length > 0);
  for (const source of sources) {
    assert.ok(existsSync(join(repoRoot, source)), `COPY ${source}: not in the repository`);
    const excludedBy = ignored.find((pattern) => source === pattern || source.startsWith(`${pattern}/`));
    assert.equal(excludedBy, undefined, `COPY ${source} is excluded by .dockerignore (${excludedBy})`);
  }
  for (const pattern of ['**/node_modules', '.env', '.git']) {
    assert.ok(ignored.includes(pattern), `.dockerignore must exclude ${pattern}`);
  }
});

test('the image runs as a non-root user', () => {
  const users = parsed.filter((instruction) => instruction.keyword === 'USER').map((instruction) => instruction.args);
  const last = users.at(-1);
  assert.ok(last !== undefined, 'no USER instruction');
  assert.doesNotMatch(last, /^(root|0)(:|$)/);
});

test('the default command runs a script that exists in the repository', () => {
  const cmd = parsed.findLast((instruction) => instruction.keyword === 'CMD');
  const args = JSON.parse(cmd?.args ?? '[]') as string[];
  assert.deepEqual(args.slice(0, 3), ['node', '--import', 'tsx']);
  const script = args[3] ?? '';
  assert.ok(existsSync(join(repoRoot, script)), `${script} does not exist`);
});
