import type { ScenarioContext } from '../scenario-context.ts';

export async function budgetUse(_ctx: ScenarioContext) {
  return { skipped: true };
}
