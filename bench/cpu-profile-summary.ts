/**
 * The top self-time frames of a V8 .cpuprofile (what node --cpu-prof writes): self time per sample is the
 * time delta to the next sample, attributed to the sampled node; frames are merged by function, file and line.
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

export function topSelfFrames(file: string, limit = 10): { totalMs: number; frames: ProfileFrame[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the gap before sample i; the gap after it is that sample's duration.
    const micros = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i] ?? -1);
    if (node === undefined) continue;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + micros);
    total += micros;
  }
  const frames = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([frame, micros]) => ({
      frame,
      selfMs: Math.round(micros / 1000),
      selfShare: Math.round((micros / Math.max(1, total)) * 1000) / 1000,
    }));
  return { totalMs: Math.round(total / 1000), frames };
}

if (import.meta.main) {
  const [file, limit] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/cpu-profile-summary.ts <file.cpuprofile> [limit]\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(topSelfFrames(file, Number(limit ?? 10)), null, 2)}\n`);
}
