-- Desk counters without a hot row. desk_bump used to upsert one row per (metric, minute) and one per (metric, hour):
-- every transaction bumping the same counter in the same minute (each agent answer, each first response) waited for
-- the previous one's commit on that row, so the agent's writes ran one at a time at ~16 ms each under an error storm.
-- Each counter is now split into shards, one per database connection (backend pid modulo 16); readers sum them.
ALTER TABLE desk_rollup ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE desk_rollup DROP CONSTRAINT desk_rollup_pkey, ADD PRIMARY KEY (metric, bucket, shard);
ALTER TABLE desk_rollup_hour ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE desk_rollup_hour DROP CONSTRAINT desk_rollup_hour_pkey, ADD PRIMARY KEY (metric, bucket, shard);

-- PL/pgSQL, not SQL: Postgres plans a multi-statement SQL function anew on every call (~0.2 ms each, four calls per
-- agent answer); PL/pgSQL keeps the plans of its statements for the session.
CREATE OR REPLACE FUNCTION desk_bump(m TEXT, t TIMESTAMPTZ, v BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
  s SMALLINT := pg_backend_pid() % 16;
BEGIN
  INSERT INTO desk_rollup AS r (metric, bucket, shard, value) VALUES (m, date_trunc('minute', t), s, v)
  ON CONFLICT (metric, bucket, shard) DO UPDATE SET value = r.value + EXCLUDED.value;
  INSERT INTO desk_rollup_hour AS r (metric, bucket, shard, value) VALUES (m, date_trunc('hour', t), s, v)
  ON CONFLICT (metric, bucket, shard) DO UPDATE SET value = r.value + EXCLUDED.value;
END $$;

-- The same bounds as V70 (and AutomationTimeseries.FRT_BOUNDS), without a sub-select planned per call.
CREATE OR REPLACE FUNCTION desk_frt_label(ms BIGINT) RETURNS TEXT LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  b BIGINT;
BEGIN
  FOREACH b IN ARRAY ARRAY[1000, 5000, 15000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000, 14400000,
      86400000]::BIGINT[] LOOP
    IF ms <= b THEN
      RETURN 'frt_le_' || b;
    END IF;
  END LOOP;
  RETURN 'frt_le_inf';
END $$;

-- Auto-ticket occurrence updates (occurrence_count, last_seen_at, last_error_sample, last_context_message_at) touch
-- no indexed column and no counted state, so Postgres can apply them in place (HOT: no new entry in any index
-- of the table) when the page has room, and the desk triggers need not run for them:
-- * the row triggers fire only for the columns they look at (the BEFORE trigger: the tracked columns of the version
--   and waiting_since; the AFTER trigger: status, first response, rating);
-- * a fill factor leaves room in each page for the new version of a row.
DROP TRIGGER trg_desk_conversation_before ON support_conversations;
CREATE TRIGGER trg_desk_conversation_before_insert BEFORE INSERT ON support_conversations
  FOR EACH ROW EXECUTE FUNCTION desk_conversation_before();
CREATE TRIGGER trg_desk_conversation_before_update BEFORE UPDATE OF status, priority, category, assigned_to,
    handled_by, resolution_summary, resolved_article_slug, first_response_at, agent_answered_at, version,
    waiting_since ON support_conversations
  FOR EACH ROW EXECUTE FUNCTION desk_conversation_before();

DROP TRIGGER trg_desk_conversation_after ON support_conversations;
CREATE TRIGGER trg_desk_conversation_after_insert AFTER INSERT ON support_conversations
  FOR EACH ROW EXECUTE FUNCTION desk_conversation_after();
CREATE TRIGGER trg_desk_conversation_after_update AFTER UPDATE ON support_conversations
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
    OR OLD.first_response_at IS DISTINCT FROM NEW.first_response_at
    OR OLD.satisfaction_rating IS DISTINCT FROM NEW.satisfaction_rating)
  EXECUTE FUNCTION desk_conversation_after();

ALTER TABLE support_conversations SET (fillfactor = 70);
