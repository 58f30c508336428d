/**
 * A connector service (extractor, loader or the per-record baseline) as a child process of the bench: its
 * own event loop, its own log file, and its peak resident memory read from /proc (VmHWM) while it runs.
 * It runs with the NODE_OPTIONS and MALLOC_* tunables the deployments give the services, so its memory is what a
 * deployed replica's would be. A CPU profile is written on a clean exit when `cpuProfileDir` is given
 * (node --cpu-prof via NODE_OPTIONS).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { ChildProcessGroup, ManagedChild } from '../scripts/start/child-process-group.ts';
import { freePort } from '../scripts/start/free-port.ts';
import { waitForHttp } from '../scripts/start/http-readiness.ts';

export type ServiceKind = 'extractor' | 'loader' | 'baseline-loader';

const SCRIPTS: Record<ServiceKind, string> = {
  extractor: 'services/extractor/src/main.ts',
  loader: 'services/loader/src/main.ts',
  'baseline-loader': 'bench/per-record-baseline-main.ts',
};

export interface ServiceProcess {
  readonly kind: ServiceKind;
  readonly child: ManagedChild;
  /** Peak resident set size so far (VmHWM), in bytes; null once the process is gone. */
  peakRssBytes(): number | null;
  /** SIGTERM (graceful: the loader commits what Zendesk confirmed), SIGKILL after the grace period. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The runtime settings the services get in docker-compose.yml (the k8s manifests are held to the same by
 * tests/deploy): NODE_OPTIONS (the heap limits) and glibc's MALLOC_* tunables.
 */
function deployedRuntimeEnv(): Record<string, string> {
  const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
    services?: { loader?: { environment?: Record<string, unknown> } };
  };
  const environment = compose.services?.loader?.environment ?? {};
  return Object.fromEntries(
    Object.entries(environment)
      .filter(([name, value]) => (name === 'NODE_OPTIONS' || name.startsWith('MALLOC_')) && typeof value === 'string')
      .map(([name, value]) => [name, String(value)]),
  );
}

function statusField(pid: number, field: string): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export async function startServiceProcess(
  group: ChildProcessGroup,
  options: { kind: ServiceKind; name: string; env: Record<string, string>; cpuProfileDir?: string },
): Promise<ServiceProcess> {
  const metricsPort = await freePort();
  const runtime = deployedRuntimeEnv();
  const nodeOptions = [runtime.NODE_OPTIONS ?? ''];
  if (options.cpuProfileDir) nodeOptions.push(`--cpu-prof --cpu-prof-dir=${options.cpuProfileDir}`);
  const env: Record<string, string> = {
    ...options.env,
    ...runtime,
    METRICS_PORT: String(metricsPort),
    NODE_OPTIONS: nodeOptions.join(' ').trim(),
  };
  const child = group.start({ name: options.name, script: SCRIPTS[options.kind], env });
  // The baseline wiring serves no health endpoint; the pipeline waits for its consumer group instead.
  if (options.kind !== 'baseline-loader') {
    await waitForHttp({ urls: [`http://127.0.0.1:${metricsPort}/readyz`], child, timeoutMs: 90_000 });
  }
  let stopped = false;
  return {
    kind: options.kind,
    child,
    peakRssBytes: () => statusField(child.pid, 'VmHWM'),
    async stop(graceMs = 90_000) {
      if (stopped) return;
      stopped = true;
      await group.stop(child, graceMs);
    },
  };
}
