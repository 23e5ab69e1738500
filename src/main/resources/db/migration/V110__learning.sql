-- The learning loop (plan 4.1-4.3): pattern triggers per conversation (the source of exact pattern statistics),
-- reviewed suggestions (patterns and article drafts), and every automatic pattern change (reversible).

-- One row per (conversation, pattern) that contributed to a triage decision. Counters on support_patterns are
-- bumped from these rows in batches; the flags make every bump happen exactly once.
CREATE TABLE learning_pattern_triggers (
  conversation_id TEXT NOT NULL REFERENCES support_conversations(id) ON DELETE CASCADE,
  pattern_id      TEXT NOT NULL REFERENCES support_patterns(id) ON DELETE CASCADE,
  resolved_counted BOOLEAN NOT NULL DEFAULT FALSE,
  rating          SMALLINT,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, pattern_id)
);
CREATE INDEX idx_learning_triggers_open ON learning_pattern_triggers(conversation_id) WHERE NOT resolved_counted;
CREATE INDEX idx_learning_triggers_pattern ON learning_pattern_triggers(pattern_id);

-- Conversations the learning jobs have looked at (4.1 analysis, 4.2 clustering), so each is analysed once.
CREATE TABLE learning_processed (
  conversation_id TEXT NOT NULL REFERENCES support_conversations(id) ON DELETE CASCADE,
  job             TEXT NOT NULL CHECK (job IN ('resolution', 'draft')),
  outcome         TEXT NOT NULL,
  processed_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, job)
);

CREATE TABLE learning_suggestions (
  id                   BIGSERIAL PRIMARY KEY,
  kind                 TEXT NOT NULL CHECK (kind IN ('pattern', 'article')),
  status               TEXT NOT NULL DEFAULT 'pending_review'
                         CHECK (status IN ('pending_review', 'approved', 'auto_approved', 'rejected')),
  payload              JSONB NOT NULL,
  confidence           DOUBLE PRECISION NOT NULL CHECK (confidence BETWEEN 0 AND 1),
  source_conversations TEXT[] NOT NULL DEFAULT '{}',
  analysis             TEXT NOT NULL DEFAULT 'extractive',
  reject_reason        TEXT,
  decided_by           TEXT,
  decided_at           TIMESTAMPTZ,
  result_id            TEXT,
  created_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_learning_suggestions_status ON learning_suggestions(status, kind, created_at);

CREATE TABLE learning_pattern_changes (
  id                 BIGSERIAL PRIMARY KEY,
  pattern_id         TEXT NOT NULL REFERENCES support_patterns(id) ON DELETE CASCADE,
  change             TEXT NOT NULL CHECK (change IN ('deactivate', 'lower_min_confidence')),
  reason             TEXT NOT NULL,
  old_active         BOOLEAN NOT NULL,
  new_active         BOOLEAN NOT NULL,
  old_min_confidence DOUBLE PRECISION NOT NULL,
  new_min_confidence DOUBLE PRECISION NOT NULL,
  times_triggered    INTEGER NOT NULL,
  times_resolved     INTEGER NOT NULL,
  created_at         TIMESTAMPTZ NOT NULL,
  reverted_at        TIMESTAMPTZ,
  reverted_by        TEXT
);
CREATE INDEX idx_learning_changes_pattern ON learning_pattern_changes(pattern_id, created_at);
