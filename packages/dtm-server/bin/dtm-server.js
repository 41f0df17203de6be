#!/usr/bin/env -S node --max-semi-space-size=4
// Runs the TypeScript sources directly (Node >= 22.18 / 24 strips types natively).
// --max-semi-space-size=4 (MiB): on a machine with much memory V8 lets its young generation grow to
// 64 MiB while pages wait on PostgreSQL; capped, the same work peaks far lower at the same CPU cost
// (issue 7: memory aims; measured in bench client-e2e with --client-node-flags, see BENCHMARKS.md).
// The benchmarks start the processes with the flags on this first line (bench/support.ts).
import '../src/cli.ts';
