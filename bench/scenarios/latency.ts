import type { ScenarioContext } from '../scenario-context.ts';

export async function latency(_ctx: ScenarioContext) {
  return { skipped: true };
}
