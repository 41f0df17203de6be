-- A document that could not be fetched or verified is tried again later, not at once: retry_after is
-- when its next attempt is due (sync/binaries.ts retryDelayMs). A failed document stays failed (and
-- reported) but is still tried again, hourly, so one the Source stores late or mends is fetched
-- without anyone editing this table. Rows failed before this migration have none: they are due now.
ALTER TABLE dtm_binary ADD COLUMN retry_after timestamptz;
