/**
 * The top self-time frames of a V8 .cpuprofile (what node --cpu-prof writes): self time per sample is the
 * time delta to the next sample, attributed to the sampled node; frames are merged by function, file and line.
 * Idle time is reported as a share, not ranked (a waiting loader is idle, not slow code), and self time is
 * also summed per area (a package under node_modules, a workspace source folder, node internals, GC).
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileFrame {
  frame: string;
  selfMs: number;
  selfShare: number;
}

const REPO_ROOT = resolve(import.meta.dirname, '..');

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.startsWith('file://') ? relative(REPO_ROOT, new URL(url).pathname) : url;
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

const NOT_CODE = new Set(['(idle)', '(program)']);

function areaOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.startsWith('file://') ? relative(REPO_ROOT, new URL(url).pathname) : url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1]!;
  return path.split('/').slice(0, 3).join('/');
}

export function topSelfFrames(file: string, limit = 10) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the gap before sample i; the gap after it is that sample's duration.
    const micros = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i] ?? -1);
    if (node === undefined || micros === 0) continue;
    total += micros;
    if (NOT_CODE.has(node.callFrame.functionName) && node.callFrame.url === '') {
      idle += node.callFrame.functionName === '(idle)' ? micros : 0;
      continue;
    }
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + micros);
    const area = areaOf(node);
    areas.set(area, (areas.get(area) ?? 0) + micros);
  }
  const share = (micros: number) => Math.round((micros / Math.max(1, total)) * 1000) / 1000;
  const frames: ProfileFrame[] = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([frame, micros]) => ({ frame, selfMs: Math.round(micros / 1000), selfShare: share(micros) }));
  const byArea = Object.fromEntries(
    [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([area, micros]) => [area, share(micros)]),
  );
  return { totalMs: Math.round(total / 1000), idleShare: share(idle), frames, byArea };
}

if (import.meta.main) {
  const [file, limit] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/cpu-profile-summary.ts <file.cpuprofile> [limit]\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(topSelfFrames(file, Number(limit ?? 10)), null, 2)}\n`);
}
