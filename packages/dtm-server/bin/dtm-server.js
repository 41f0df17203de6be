#!/usr/bin/env -S node --max-semi-space-size=16
// Runs the TypeScript sources directly (Node >= 22.18 / 24 strips types natively).
// --max-semi-space-size=16 (MiB): on a machine with much memory V8 lets its young generation grow to
// 64 MiB; capped, the server's peak RSS stays well under the 500 MB aim (issue 7). Measured with
// bench feed-ingest (5,000-change pages), two runs each: default 461-470 MiB peak, ingest
// 10,500-11,300 resources/s; 16: 414-421 MiB, 9,800-10,100/s; 8: 389-400 MiB but 7,700/s (the
// collector runs too often while 1 MB ingest bodies are parsed). Feed reads were the same within noise.
// The benchmarks start the processes with the flags on this first line (bench/support.ts).
// Compiled code is cached on disk (node:module enableCompileCache, Node 22.1+; in the OS temporary
// directory, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so a run after the
// first skips compiling: the generated FHIR validators alone took about 110 ms of a start (issue 7).
// It holds compiled program code only, never data. Enabled before the program is imported.
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
await import('../src/cli.ts');
