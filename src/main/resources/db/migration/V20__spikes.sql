-- Error spikes detected live by the spike capability, with the history of each spike's counts.
-- At most one active spike per error type, whatever the number of instances (partial unique index).

CREATE TABLE spikes (
  id               TEXT PRIMARY KEY,
  error_type       TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
  count_last_hour  INTEGER NOT NULL,
  count_24h        INTEGER NOT NULL,
  hourly_average   DOUBLE PRECISION NOT NULL,
  ratio            DOUBLE PRECISION NOT NULL,
  peak_count       INTEGER NOT NULL,
  first_seen_at    TIMESTAMPTZ,
  started_at       TIMESTAMPTZ NOT NULL,
  last_updated_at  TIMESTAMPTZ NOT NULL,
  ended_at         TIMESTAMPTZ,
  sample_errors    JSONB NOT NULL DEFAULT '[]'::jsonb,
  pattern_id       TEXT,
  devops_task_id   TEXT,
  notification_id  BIGINT
);
CREATE UNIQUE INDEX uq_spikes_active_type ON spikes(error_type) WHERE status = 'active';
CREATE INDEX idx_spikes_started ON spikes(started_at DESC);

CREATE TABLE spike_history (
  id              BIGSERIAL PRIMARY KEY,
  spike_id        TEXT NOT NULL REFERENCES spikes(id) ON DELETE CASCADE,
  event           TEXT NOT NULL CHECK (event IN ('started', 'updated', 'ended')),
  count_last_hour INTEGER NOT NULL,
  count_24h       INTEGER NOT NULL,
  hourly_average  DOUBLE PRECISION NOT NULL,
  ratio           DOUBLE PRECISION NOT NULL,
  recorded_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_spike_history_spike ON spike_history(spike_id, id);
