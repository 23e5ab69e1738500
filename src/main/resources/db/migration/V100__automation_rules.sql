-- Automation rules (plan 6.2): "when this happens, do that" without a release, and the record of every firing.

CREATE TABLE automation_rules (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  trigger_type      TEXT NOT NULL CHECK (trigger_type IN ('error', 'ticket', 'pattern', 'schedule')),
  trigger_condition JSONB NOT NULL DEFAULT '{}'::jsonb,
  actions           JSONB NOT NULL,
  enabled           BOOLEAN NOT NULL DEFAULT TRUE,
  created_by        TEXT NOT NULL,
  last_triggered    TIMESTAMPTZ,
  trigger_count     BIGINT NOT NULL DEFAULT 0,
  -- Signs the rule's webhook deliveries; shown once when created or rotated, never listed.
  webhook_secret    TEXT,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_automation_rules_enabled ON automation_rules(trigger_type) WHERE enabled;

-- One row per firing. (rule_id, trigger_key) is unique, so a trigger object fires a rule at most once, whatever
-- the redelivery or the number of instances. No foreign key: a firing racing a rule's deletion must not fail
-- the batch it is in (deleting a rule deletes its runs).
CREATE TABLE rule_runs (
  id             BIGSERIAL PRIMARY KEY,
  rule_id        TEXT NOT NULL,
  trigger_type   TEXT NOT NULL,
  trigger_key    TEXT NOT NULL,
  trigger_object JSONB NOT NULL,
  actions_taken  JSONB NOT NULL DEFAULT '[]'::jsonb,
  outcome        TEXT NOT NULL DEFAULT 'pending'
                   CHECK (outcome IN ('pending', 'succeeded', 'partial', 'failed', 'skipped')),
  fired_at       TIMESTAMPTZ NOT NULL,
  finished_at    TIMESTAMPTZ,
  CONSTRAINT uq_rule_runs_trigger UNIQUE (rule_id, trigger_key)
);
CREATE INDEX idx_rule_runs_rule ON rule_runs(rule_id, id DESC);

-- The plan's two default rules, seeded once (on the first start against this database) and editable.
INSERT INTO automation_rules (id, name, trigger_type, trigger_condition, actions, enabled, created_by) VALUES
  ('default-error-5xx', 'Auto-ticket for 5xx errors', 'error',
   '{"status_code": {"$gte": 500}}',
   '[{"type": "create_ticket", "config": {"priority": "high", "category": "bug"}},
     {"type": "trigger_agent", "config": {"agent": "support"}}]',
   TRUE, 'system'),
  ('default-escalate-4h', 'Escalate after 4 hours without response', 'schedule',
   '{"status": "waiting_support", "updated_at": {"$lt": "now-4h"}}',
   '[{"type": "escalate", "config": {"to": "admin"}},
     {"type": "send_email", "config": {"template": "escalation_alert"}}]',
   TRUE, 'system');
