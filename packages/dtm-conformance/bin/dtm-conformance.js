#!/usr/bin/env node
// Runs the TypeScript sources directly (Node >= 22.18 / 24 strips types natively).
// Compiled code is cached on disk (node:module enableCompileCache, Node 22.1+; in the OS temporary
// directory, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so a run after the
// first skips compiling: the generated FHIR validators alone took about 110 ms of a start (issue 7).
// It holds compiled program code only, never data. Enabled before the program is imported.
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
await import('../src/cli.ts');
