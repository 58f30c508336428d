import type { ScenarioContext } from '../scenario-context.ts';

export async function tenants(_ctx: ScenarioContext) {
  return { skipped: true };
}
