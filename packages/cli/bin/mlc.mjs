#!/usr/bin/env node
// The CLI is TypeScript run through tsx, like the services: register the loader, then hand over.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
