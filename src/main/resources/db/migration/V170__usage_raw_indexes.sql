-- Raw usage calls (api_usage) keep only the indexes a query uses: the call_id key (idempotency) and the block-range
-- index on created_at (retention). The (user_id, created_at) b-tree from V1 cost one random b-tree insert per call on
-- the usage hot path; its one reader, the agent's customer status, now reads the hourly rollup and usage_activity.
DROP INDEX IF EXISTS idx_api_usage_user_time;

-- Rollup rows are updated in place by every batch that touches them. With room left in each page and no index on an
-- updated column, Postgres can make those updates HOT (no new index entries). usage_activity.last_at moves with nearly
-- every batch, so its index made every update write two index entries. The activity-drop scan reads the table
-- sequentially instead (one row per user).
DROP INDEX IF EXISTS idx_usage_activity_last;
ALTER TABLE usage_activity SET (fillfactor = 70);
ALTER TABLE api_usage_hourly SET (fillfactor = 80);
ALTER TABLE api_usage_daily SET (fillfactor = 80);
