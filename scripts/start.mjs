#!/usr/bin/env node
// `npm start`: the demo is TypeScript (scripts/start/), run through tsx like the services it starts.
import { register } from 'tsx/esm/api';

register();
await import('./start/start-demo.ts');
