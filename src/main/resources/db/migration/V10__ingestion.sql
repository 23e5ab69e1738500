-- Ingestion (issue 3): the context an auto-ticket keeps about its error.
-- The open ticket of a (user, fingerprint) is found through V1's partial unique index
-- uq_conversations_open_fingerprint, which also guarantees one open ticket per pair.

-- The newest error sample of an auto-ticket, and when its last "occurred again" system message was written.
ALTER TABLE support_conversations ADD COLUMN last_error_sample JSONB;
ALTER TABLE support_conversations ADD COLUMN last_context_message_at TIMESTAMPTZ;

-- Auto-ticket work sets ticket_id on every new row soon after the insert: leave room on each page so that
-- update stays a HOT update (no new index entries) instead of doubling the write cost of a row.
ALTER TABLE support_error_log SET (fillfactor = 80);
