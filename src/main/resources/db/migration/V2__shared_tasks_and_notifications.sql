-- Shared by several capabilities: DevOps tasks (spikes, the support agent, Sentry) and admin notifications.

CREATE TABLE devops_tasks (
  id              TEXT PRIMARY KEY,
  type            TEXT NOT NULL,             -- error_spike, support_escalation, sentry_error, ...
  status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'dismissed')),
  error_type      TEXT,
  conversation_id TEXT REFERENCES support_conversations(id) ON DELETE SET NULL,
  details         JSONB NOT NULL DEFAULT '{}'::jsonb,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_devops_tasks_status ON devops_tasks(status, created_at);

CREATE TABLE admin_notifications (
  id         BIGSERIAL PRIMARY KEY,
  kind       TEXT NOT NULL,                  -- error_spike, new_pattern_suggestion, escalation, ...
  title      TEXT NOT NULL,
  details    JSONB NOT NULL DEFAULT '{}'::jsonb,
  read_at    TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_admin_notifications_created ON admin_notifications(created_at DESC);
