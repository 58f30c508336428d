import { BenchPipeline, type InfraEnv } from './bench-pipeline.ts';
import type { BenchSimulators } from './bench-simulators.ts';

/** What every scenario gets: the mode, the infrastructure, the simulators and a pipeline factory. */
export interface ScenarioContext {
  quick: boolean;
  /** Run the throughput scenario's product loader under node --cpu-prof and summarise it. */
  profile: boolean;
  /** Records for the scale scenario (default 500,000; --scale-records=1000000 for the full million). */
  scaleRecords: number;
  /** Overrides of the throughput scenario's data set sizes (--throughput-records, --baseline-records). */
  throughputRecords?: number;
  baselineRecords?: number;
  /** Throughput: the product's stages alone and nothing else (--stages-only), for profiling a change quickly. */
  stagesOnly?: boolean;
  infra: InfraEnv;
  sims: BenchSimulators;
  /** Upper bound for any wait inside a scenario. */
  timeoutMs: number;
  log(line: string): void;
  pipeline(name: string, options?: { topicPartitions?: number; env?: Record<string, string> }): Promise<BenchPipeline>;
}

export function scenarioContext(options: {
  quick: boolean;
  profile: boolean;
  scaleRecords: number;
  throughputRecords?: number;
  baselineRecords?: number;
  stagesOnly?: boolean;
  infra: InfraEnv;
  sims: BenchSimulators;
  log: (line: string) => void;
}): ScenarioContext {
  return {
    ...options,
    timeoutMs: options.quick ? 120_000 : 1_800_000,
    pipeline: (name, pipelineOptions = {}) =>
      BenchPipeline.create({ name, infra: options.infra, sims: options.sims, ...pipelineOptions }),
  };
}
