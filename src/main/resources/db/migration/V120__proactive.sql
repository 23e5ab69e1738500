-- Proactive support (plan 3.1, 3.3): the Exact facts of a connection, per-call usage (api_usage, idempotent on
-- call_id) with its rollups per user, tool and hour/day, and the bookkeeping that makes every proactive warning
-- happen once.

-- connections.token_expires_at is the refresh token's effective expiry: the earlier of the expiry the portal reports
-- and the last use of the refresh token plus Exact's inactivity period (computed on every upsert).
ALTER TABLE connections ADD COLUMN refresh_token_expires_at TIMESTAMPTZ;
ALTER TABLE connections ADD COLUMN last_error TEXT;
CREATE INDEX idx_connections_effective_expiry ON connections(token_expires_at);

-- api_usage: one row per tool call, keyed by the sender's call_id (a retried batch never counts twice). Raw rows are
-- kept for usage.retention; the rollups below are what scans and dashboards read.
ALTER TABLE api_usage ADD COLUMN call_id TEXT;
UPDATE api_usage SET call_id = 'legacy-' || id;
ALTER TABLE api_usage DROP CONSTRAINT api_usage_pkey;
ALTER TABLE api_usage DROP COLUMN id;
ALTER TABLE api_usage ALTER COLUMN call_id SET NOT NULL;
ALTER TABLE api_usage ADD PRIMARY KEY (call_id);
ALTER TABLE api_usage ADD COLUMN status TEXT;
ALTER TABLE api_usage ADD COLUMN ok BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE api_usage ALTER COLUMN created_at DROP DEFAULT;
-- Rows arrive in time order: a block-range index is enough for retention and costs next to nothing per insert.
CREATE INDEX idx_api_usage_created_brin ON api_usage USING brin (created_at);

CREATE TABLE api_usage_hourly (
  user_id     TEXT NOT NULL,
  tool        TEXT NOT NULL,
  hour        TIMESTAMPTZ NOT NULL,
  calls       BIGINT NOT NULL,
  errors      BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, hour, tool)
);

-- day is the local date in proactive.usage.timezone (weekday baselines are about the customer's week).
CREATE TABLE api_usage_daily (
  user_id     TEXT NOT NULL,
  tool        TEXT NOT NULL,
  day         DATE NOT NULL,
  calls       BIGINT NOT NULL,
  errors      BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, day, tool)
);

-- First and last call per user: the activity-drop scan starts from the users that fell silent.
CREATE TABLE usage_activity (
  user_id  TEXT PRIMARY KEY,
  first_at TIMESTAMPTZ NOT NULL,
  last_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_usage_activity_last ON usage_activity(last_at);

-- An erased customer's usage rollups go with them (the raw calls are pseudonymised by the erasure itself).
CREATE FUNCTION proactive_user_erased() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM api_usage_hourly WHERE user_id = OLD.id;
  DELETE FROM api_usage_daily WHERE user_id = OLD.id;
  DELETE FROM usage_activity WHERE user_id = OLD.id;
  RETURN NULL;
END $$;
CREATE TRIGGER trg_proactive_user_erased AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION proactive_user_erased();

-- One warning per connection per expiry and kind (expiring, expired): the key that makes a scan safe to repeat,
-- to run on two instances and to restart midway. outcome: prevented (refreshed before the expiry), renewed_late
-- (re-authorised after it), expired.
CREATE TABLE proactive_token_warnings (
  connection_id   TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
  expires_at      TIMESTAMPTZ NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('expiring', 'expired')),
  user_id         TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  warned_at       TIMESTAMPTZ NOT NULL,
  outcome         TEXT CHECK (outcome IN ('prevented', 'renewed_late', 'expired')),
  outcome_at      TIMESTAMPTZ,
  PRIMARY KEY (connection_id, expires_at, kind)
);
CREATE INDEX idx_token_warnings_open ON proactive_token_warnings(connection_id) WHERE outcome IS NULL;
CREATE INDEX idx_token_warnings_warned ON proactive_token_warnings(warned_at);

-- One activity-drop ticket per silence: a silence is identified by the user's last call before it.
CREATE TABLE proactive_activity_drops (
  user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  last_activity_at TIMESTAMPTZ NOT NULL,
  conversation_id  TEXT NOT NULL,
  detected_at      TIMESTAMPTZ NOT NULL,
  details          JSONB NOT NULL,
  PRIMARY KEY (user_id, last_activity_at)
);
CREATE INDEX idx_activity_drops_detected ON proactive_activity_drops(detected_at);

-- The last result of each scan, for the admin API.
CREATE TABLE proactive_scans (
  scan        TEXT PRIMARY KEY,
  instance    TEXT NOT NULL,
  started_at  TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  result      JSONB NOT NULL DEFAULT '{}'::jsonb
);
