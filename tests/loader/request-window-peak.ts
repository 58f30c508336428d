/** Most requests that started inside any window of `windowMs`; `times` are sorted epoch milliseconds. */
export function requestWindowPeak(times: readonly number[], windowMs: number): number {
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
