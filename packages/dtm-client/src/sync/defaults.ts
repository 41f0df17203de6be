// The sync loop's defaults, in one place: the Syncer's own, the CLI's settings table (config.ts) and
// the benchmarks (bench/client-e2e.ts measures the client as shipped) all take them from here.
export const SYNC_DEFAULTS = {
  /** Changes per feed page. */
  pageSize: 1000,
  /** follow: long-poll wait in seconds. */
  waitSeconds: 30,
  /**
   * Binaries downloaded at once. 12, not 4 (issue 7, bench client-e2e, 10,000 patients): with 4 the
   * downloads fell behind the feed, each waiting its turn on an event loop busy validating pages, and
   * 2.4-7 s of them were left after the last page; with 12 they finished with the feed (e2e
   * 10,384-11,276 resources/s against 9,452-10,046). Over the internet, where each download waits a
   * round trip, more at once helps more.
   */
  binaryParallel: 12,
} as const;
