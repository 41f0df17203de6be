#!/usr/bin/env -S node --max-semi-space-size=8
// Runs the TypeScript sources directly (Node >= 22.18 / 24 strips types natively).
// --max-semi-space-size=8 (MiB): on a machine with much memory V8 lets its young generation grow to
// 64 MiB while pages wait on PostgreSQL. Measured on the sync client's 10,000-patient extract (issue 7
// memory aims; bench client-e2e --client-node-flags): default 331 MiB peak RSS; 16: 276 MiB, 17.1 s
// CPU; 8: 268 MiB, 15.8 s CPU; 4: 243 MiB but 21-22 s CPU (the collector runs too often).
// The benchmarks start the processes with the flags on this first line (bench/support.ts).
// Compiled code is cached on disk (node:module enableCompileCache, Node 22.1+; in the OS temporary
// directory, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so a run after the
// first skips compiling: the generated FHIR validators alone took about 110 ms of a start (issue 7).
// It holds compiled program code only, never data. Enabled before the program is imported.
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
await import('../src/cli.ts');
