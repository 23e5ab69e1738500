-- Usage rollups leave the hot path: the statement that inserts the raw calls (call_id key, idempotency) appends the
-- newly inserted calls of its batch as one row of arrays to usage_pending, a table without indexes. A background job
-- (UsageRollup) deletes pending rows and adds them to api_usage_hourly, api_usage_daily and usage_activity in one
-- statement, so every call is rolled up exactly once, whichever instance runs it and whenever it crashes. When the
-- backlog passes usage.max-pending-calls the webhook answers 429 until the rollups catch up.
CREATE TABLE usage_pending (
  n           INTEGER NOT NULL,  -- calls in the row: the backlog is summed without reading the arrays
  user_ids    TEXT[] NOT NULL,
  tools       TEXT[] NOT NULL,
  at          TIMESTAMPTZ[] NOT NULL,
  ok          BOOLEAN[] NOT NULL,
  duration_ms INTEGER[] NOT NULL
);

