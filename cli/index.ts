#!/usr/bin/env node
import { processIO } from './io.js';
import { runOperatorCommand } from './main.js';

// The `ws-channels` bin: `npx ws-channels status|suspend|resume [options]` (usage: --help).
process.exitCode = await runOperatorCommand(process.argv.slice(2), processIO());
