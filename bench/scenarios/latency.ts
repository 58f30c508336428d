import type { ScenarioContext } from '../scenario-context.ts';

/** Scenario 6 (publish → Zendesk-confirmed p50/p99 at a steady rate) is not measured yet. */
export async function latency(_ctx: ScenarioContext) {
  return { measured: false, reason: 'not implemented yet (see bench report)' };
}
