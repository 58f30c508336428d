import { runCrashSoak } from '/work/main/tests/reliability/crash-soak.ts';
const f = await runCrashSoak({ records: Number(process.env.R ?? 3000), killsPerService: Number(process.env.K ?? 3), killGapMs: [1000, 4000], changesPerKill: 20, convergeTimeoutMs: 180_000, seed: 7, log: (l) => console.log(new Date().toISOString().slice(11,19), l) });
console.log(JSON.stringify(f, null, 1));
