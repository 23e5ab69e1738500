-- supportpilot foundation schema: the plan's tables that the first capabilities need.
-- Times are timestamptz; ids of conversations are text (UUIDs), as the plan's ticket_id TEXT.

CREATE TABLE app_settings (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id         TEXT PRIMARY KEY,
  email      TEXT,
  name       TEXT,
  plan       TEXT NOT NULL DEFAULT 'free',
  language   TEXT NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Exact Online OAuth connections. token_expires_at is when the refresh token (the connection) expires;
-- access tokens live about 10 minutes and are refreshed automatically.
CREATE TABLE connections (
  id                      TEXT PRIMARY KEY,
  user_id                 TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  provider                TEXT NOT NULL DEFAULT 'exact_online',
  division                TEXT,
  status                  TEXT NOT NULL DEFAULT 'active'
                            CHECK (status IN ('active', 'expiring', 'expired', 'revoked', 'error')),
  access_token_expires_at TIMESTAMPTZ,
  token_expires_at        TIMESTAMPTZ,
  last_refresh_at         TIMESTAMPTZ,
  expiry_alert_sent       BOOLEAN NOT NULL DEFAULT FALSE,
  created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_connections_user ON connections(user_id);
CREATE INDEX idx_connections_token_expiry ON connections(token_expires_at) WHERE expiry_alert_sent = FALSE;

CREATE TABLE api_usage (
  id            BIGSERIAL PRIMARY KEY,
  user_id       TEXT NOT NULL,
  connection_id TEXT,
  tool          TEXT,
  status_code   INTEGER,
  duration_ms   INTEGER,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_api_usage_user_time ON api_usage(user_id, created_at);

CREATE TABLE support_conversations (
  id                 TEXT PRIMARY KEY,
  user_id            TEXT NOT NULL,
  subject            TEXT NOT NULL,
  status             TEXT NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'waiting_support', 'waiting_customer', 'escalated', 'resolved', 'closed')),
  category           TEXT NOT NULL DEFAULT 'general',
  priority           TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  handled_by         TEXT NOT NULL DEFAULT 'ai' CHECK (handled_by IN ('ai', 'human', 'system', 'devops')),
  language           TEXT NOT NULL DEFAULT 'nl' CHECK (language IN ('nl', 'en')),
  satisfaction_rating SMALLINT CHECK (satisfaction_rating BETWEEN 1 AND 5),
  resolved_by_customer BOOLEAN,
  auto_created       BOOLEAN NOT NULL DEFAULT FALSE,
  fingerprint        TEXT,
  error_type         TEXT,
  occurrence_count   INTEGER NOT NULL DEFAULT 0,
  last_seen_at       TIMESTAMPTZ,
  first_response_at  TIMESTAMPTZ,
  resolved_at        TIMESTAMPTZ,
  created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_conversations_user ON support_conversations(user_id, created_at DESC);
CREATE INDEX idx_conversations_status ON support_conversations(status, updated_at);
-- At most one open auto-ticket per (user, fingerprint), whatever the concurrency.
CREATE UNIQUE INDEX uq_conversations_open_fingerprint ON support_conversations(user_id, fingerprint)
  WHERE fingerprint IS NOT NULL AND status NOT IN ('resolved', 'closed');

CREATE TABLE support_messages (
  id              BIGSERIAL PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES support_conversations(id) ON DELETE CASCADE,
  sender_type     TEXT NOT NULL CHECK (sender_type IN ('customer', 'agent', 'admin', 'system')),
  content         TEXT NOT NULL,
  metadata        JSONB NOT NULL DEFAULT '{}'::jsonb,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_messages_conversation ON support_messages(conversation_id, id);

-- Error log with the plan's 0010 columns. (source, event_id) is the idempotency key of ingestion.
CREATE TABLE support_error_log (
  id                  BIGSERIAL PRIMARY KEY,
  event_id            TEXT NOT NULL,
  source              TEXT NOT NULL CHECK (source IN ('mcp', 'sentry')),
  user_id             TEXT,
  connection_id       TEXT,
  tool                TEXT,
  error_type          TEXT NOT NULL,
  error_code          TEXT,
  status_code         INTEGER,
  level               TEXT,
  message             TEXT,
  stack               TEXT,
  context             JSONB,
  fingerprint         TEXT NOT NULL,
  occurred_at         TIMESTAMPTZ NOT NULL,
  created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  auto_ticket_created BOOLEAN NOT NULL DEFAULT FALSE,
  ticket_id           TEXT REFERENCES support_conversations(id) ON DELETE SET NULL,
  user_notified       BOOLEAN NOT NULL DEFAULT FALSE,
  CONSTRAINT uq_error_log_event UNIQUE (source, event_id)
);
CREATE INDEX idx_error_log_type_time ON support_error_log(error_type, created_at);
CREATE INDEX idx_error_log_user_fingerprint ON support_error_log(user_id, fingerprint, created_at);
CREATE INDEX idx_error_log_created ON support_error_log(created_at);

CREATE TABLE knowledge_articles (
  id                   BIGSERIAL PRIMARY KEY,
  slug                 TEXT NOT NULL UNIQUE,
  category             TEXT NOT NULL,
  title_nl             TEXT NOT NULL,
  title_en             TEXT NOT NULL,
  content_nl           TEXT NOT NULL,
  content_en           TEXT NOT NULL,
  tags                 TEXT[] NOT NULL DEFAULT '{}',
  published            BOOLEAN NOT NULL DEFAULT TRUE,
  auto_generated       BOOLEAN NOT NULL DEFAULT FALSE,
  source_conversations TEXT[] NOT NULL DEFAULT '{}',
  created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_articles_category ON knowledge_articles(category) WHERE published;

CREATE TABLE support_patterns (
  id                  TEXT PRIMARY KEY,
  name                TEXT NOT NULL,
  keywords            TEXT[] NOT NULL DEFAULT '{}',
  regex               TEXT,
  error_codes         TEXT[] NOT NULL DEFAULT '{}',
  error_types         TEXT[] NOT NULL DEFAULT '{}',
  article_slug        TEXT REFERENCES knowledge_articles(slug) ON UPDATE CASCADE ON DELETE SET NULL,
  min_confidence      DOUBLE PRECISION NOT NULL DEFAULT 0.85 CHECK (min_confidence BETWEEN 0 AND 1),
  active              BOOLEAN NOT NULL DEFAULT TRUE,
  deactivation_reason TEXT,
  times_triggered     INTEGER NOT NULL DEFAULT 0,
  times_resolved      INTEGER NOT NULL DEFAULT 0,
  avg_satisfaction    DOUBLE PRECISION,
  created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_patterns_active ON support_patterns(active);

-- The plan's 0011, plus the vector itself.
CREATE TABLE support_embeddings (
  id              TEXT PRIMARY KEY,
  source_type     TEXT NOT NULL CHECK (source_type IN ('article', 'conversation', 'pattern')),
  source_id       TEXT NOT NULL,
  content_hash    TEXT NOT NULL,
  embedding_model TEXT NOT NULL DEFAULT 'all-minilm-l6-v2-q',
  dimensions      INTEGER NOT NULL,
  vector          REAL[] NOT NULL,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT uq_embeddings_source UNIQUE (source_type, source_id, embedding_model)
);
CREATE INDEX idx_embeddings_source ON support_embeddings(source_type, source_id);
