-- Scaled mode (issue 11): Kafka records that cannot be stored are kept here, written before their offset is
-- committed, so nothing acknowledged is lost silently: records that do not decode (unknown encoding version,
-- corrupt bytes) and records Postgres rejects for a data reason (SQLSTATE class 22 or 23).
CREATE TABLE support_dead_letters (
  id           BIGSERIAL PRIMARY KEY,
  topic        TEXT        NOT NULL,
  "partition"  INT         NOT NULL,
  "offset"     BIGINT      NOT NULL,
  key          TEXT,
  raw          BYTEA,
  error        TEXT        NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- A replay after a crash between this insert and the offset commit writes nothing twice.
  CONSTRAINT uq_dead_letters_record UNIQUE (topic, "partition", "offset")
);

CREATE INDEX idx_dead_letters_created ON support_dead_letters (created_at);
