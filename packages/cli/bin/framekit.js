#!/usr/bin/env node
// The `framekit` command: the ahead-of-time build in dist (`pnpm build` makes it in the repository).
import '../dist/bin.js';
