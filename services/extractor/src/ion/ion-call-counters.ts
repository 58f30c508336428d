/** What one run spent on the ION API, per entity; every attempt counts as a call. */
export interface IonCallCounters {
  calls: number;
  retries: number;
  throttled: number;
  tokenCalls: number;
}

export function emptyIonCallCounters(): IonCallCounters {
  return { calls: 0, retries: 0, throttled: 0, tokenCalls: 0 };
}
