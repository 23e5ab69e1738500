-- Cheaper writes of support_error_log (issue 19): every ingested event is one row, and each secondary index is
-- paid on every insert. What each query of the engine needs:
--   created_at ranges (the dashboard rollup, the spike rebuild, the ticket sweep): the rows arrive in time order,
--     so a BRIN index (a few bytes per 32 pages, nearly free to maintain) finds them as well as a b-tree did;
--   the retention delete walks the primary key (oldest ids first) instead of a created_at b-tree;
--   one user's errors (the agent's get_customer_errors and check_known_issues, the desk's conversation detail,
--     erasure): (user_id, created_at), without the 32-character fingerprint the old index carried (the desk's
--     "errors of this ticket" filters the fingerprint among that user's newest rows);
--   the spike samples (error_type ORDER BY created_at DESC): idx_error_log_type_time stays;
--   (source, event_id): the unique constraint stays (dedupe, ticket linking).
DROP INDEX IF EXISTS idx_error_log_created;
CREATE INDEX idx_error_log_created_brin ON support_error_log USING brin (created_at) WITH (pages_per_range = 32);
DROP INDEX IF EXISTS idx_error_log_user_fingerprint;
CREATE INDEX idx_error_log_user_time ON support_error_log (user_id, created_at);
