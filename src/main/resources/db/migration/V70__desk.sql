-- The human desk: named admin tokens, customers created on first sight, the queue's columns and indexes,
-- internal notes, the audit of human actions, reply e-mails, and the per-minute rollups behind the
-- automation metrics (maintained by triggers on state transitions, so no read scans conversations).

CREATE TABLE admin_tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'viewer')),
  token_sha256 TEXT NOT NULL UNIQUE,
  created_by   TEXT NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL,
  last_used_at TIMESTAMPTZ,
  revoked_at   TIMESTAMPTZ
);
-- A name identifies a person in the audit: unique among live tokens.
CREATE UNIQUE INDEX uq_admin_tokens_live_name ON admin_tokens(name) WHERE revoked_at IS NULL;

-- Users first seen through a conversation (or an error) are placeholders until the portal upserts them.
ALTER TABLE users ADD COLUMN placeholder BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN updated_at TIMESTAMPTZ;

ALTER TABLE support_conversations ADD COLUMN assigned_to TEXT;
ALTER TABLE support_conversations ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE support_conversations ADD COLUMN resolution_summary TEXT;
ALTER TABLE support_conversations ADD COLUMN resolved_article_slug TEXT;
-- When the conversation entered a state in which support has to act (open, waiting_support, escalated).
ALTER TABLE support_conversations ADD COLUMN waiting_since TIMESTAMPTZ;
-- When the customer last read the conversation through the customer API.
ALTER TABLE support_conversations ADD COLUMN customer_read_at TIMESTAMPTZ;
UPDATE support_conversations SET waiting_since = updated_at WHERE status IN ('open', 'waiting_support', 'escalated');

-- Keyset paging of the queue: every sort ends with id, so the cursor is unambiguous.
DROP INDEX IF EXISTS idx_conversations_status;
CREATE INDEX idx_conversations_status ON support_conversations(status, updated_at, id);
CREATE INDEX idx_conversations_updated ON support_conversations(updated_at, id);
CREATE INDEX idx_conversations_created ON support_conversations(created_at, id);
CREATE INDEX idx_conversations_priority ON support_conversations(priority, updated_at, id);
CREATE INDEX idx_conversations_handled_by ON support_conversations(handled_by, updated_at, id);
CREATE INDEX idx_conversations_assigned ON support_conversations(assigned_to, updated_at, id) WHERE assigned_to IS NOT NULL;
-- "waiting longer than": the waiting conversations (a minority) in the queue's default order.
CREATE INDEX idx_conversations_waiting ON support_conversations(updated_at, id) WHERE waiting_since IS NOT NULL;

-- Internal notes live apart from messages, so no customer read, agent transcript or index can show them.
CREATE TABLE conversation_notes (
  id              BIGSERIAL PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES support_conversations(id) ON DELETE CASCADE,
  author          TEXT NOT NULL,
  content         TEXT NOT NULL,
  created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_conversation_notes_conversation ON conversation_notes(conversation_id, id);

-- Every human action on the desk: who, what, when, on which conversation.
CREATE TABLE desk_audit (
  id              BIGSERIAL PRIMARY KEY,
  conversation_id TEXT,
  actor           TEXT NOT NULL,
  actor_role      TEXT NOT NULL,
  action          TEXT NOT NULL,
  details         JSONB NOT NULL DEFAULT '{}'::jsonb,
  created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_desk_audit_conversation ON desk_audit(conversation_id, id) WHERE conversation_id IS NOT NULL;
CREATE INDEX idx_desk_audit_created ON desk_audit(created_at);

-- A human reply that is e-mailed when the customer has not read it by due_at.
CREATE TABLE desk_reply_mail (
  message_id      BIGINT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  user_id         TEXT NOT NULL,
  due_at          TIMESTAMPTZ NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'read', 'queued', 'no_email')),
  decided_at      TIMESTAMPTZ
);
CREATE INDEX idx_desk_reply_mail_due ON desk_reply_mail(due_at) WHERE status = 'pending';

-- Per-minute counters: metric names are fixed in the triggers below and in the desk code.
CREATE TABLE desk_rollup (
  metric TEXT NOT NULL,
  bucket TIMESTAMPTZ NOT NULL,
  value  BIGINT NOT NULL,
  PRIMARY KEY (metric, bucket)
);

-- The same counters per hour, kept by the same function: a 24 h figure reads ~24 hour rows and the minutes of the
-- two partial hours at the window's edges, not 1,440 minute rows.
CREATE TABLE desk_rollup_hour (
  metric TEXT NOT NULL,
  bucket TIMESTAMPTZ NOT NULL,
  value  BIGINT NOT NULL,
  PRIMARY KEY (metric, bucket)
);

CREATE FUNCTION desk_bump(m TEXT, t TIMESTAMPTZ, v BIGINT) RETURNS VOID LANGUAGE sql AS $$
  INSERT INTO desk_rollup (metric, bucket, value) VALUES (m, date_trunc('minute', t), v)
  ON CONFLICT (metric, bucket) DO UPDATE SET value = desk_rollup.value + EXCLUDED.value;
  INSERT INTO desk_rollup_hour (metric, bucket, value) VALUES (m, date_trunc('hour', t), v)
  ON CONFLICT (metric, bucket) DO UPDATE SET value = desk_rollup_hour.value + EXCLUDED.value;
$$;

-- Version (optimistic concurrency of the desk) and waiting_since, before every write of a conversation.
CREATE FUNCTION desk_conversation_before() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status IN ('open', 'waiting_support', 'escalated') THEN
      NEW.waiting_since := COALESCE(NEW.waiting_since, NEW.updated_at);
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.version = OLD.version AND ROW(NEW.status, NEW.priority, NEW.category, NEW.assigned_to, NEW.handled_by,
      NEW.resolution_summary, NEW.resolved_article_slug, NEW.first_response_at, NEW.agent_answered_at)
      IS DISTINCT FROM ROW(OLD.status, OLD.priority, OLD.category, OLD.assigned_to, OLD.handled_by,
      OLD.resolution_summary, OLD.resolved_article_slug, OLD.first_response_at, OLD.agent_answered_at) THEN
    NEW.version := OLD.version + 1;
  END IF;
  IF NEW.status IN ('open', 'waiting_support', 'escalated') THEN
    IF OLD.status NOT IN ('open', 'waiting_support', 'escalated') OR OLD.waiting_since IS NULL THEN
      NEW.waiting_since := NEW.updated_at;
    END IF;
  ELSE
    NEW.waiting_since := NULL;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER trg_desk_conversation_before BEFORE INSERT OR UPDATE ON support_conversations
  FOR EACH ROW EXECUTE FUNCTION desk_conversation_before();

-- The first-response histogram bucket of a delay (upper bound in ms), for the hourly median on the dashboard.
CREATE FUNCTION desk_frt_label(ms BIGINT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE('frt_le_' || (SELECT min(b) FROM unnest(ARRAY[1000, 5000, 15000, 30000, 60000, 120000, 300000,
    600000, 1800000, 3600000, 14400000, 86400000]::BIGINT[]) b WHERE ms <= b), 'frt_le_inf')
$$;

-- Rollups on state transitions: created, pending (by creation minute), resolved by automation or a person,
-- first responses, ratings.
CREATE FUNCTION desk_conversation_after() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  was_final BOOLEAN;
  is_final  BOOLEAN := NEW.status IN ('resolved', 'closed');
  frt       BIGINT;
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM desk_bump('created', NEW.created_at, 1);
    IF NOT is_final THEN
      PERFORM desk_bump('pending', NEW.created_at, 1);
    END IF;
    IF NEW.first_response_at IS NOT NULL THEN
      frt := GREATEST(0, (extract(epoch FROM NEW.first_response_at - NEW.created_at) * 1000)::BIGINT);
      PERFORM desk_bump('first_response', NEW.first_response_at, 1);
      PERFORM desk_bump('first_response_ms', NEW.first_response_at, frt);
      PERFORM desk_bump(desk_frt_label(frt), NEW.first_response_at, 1);
    END IF;
    RETURN NULL;
  END IF;
  was_final := OLD.status IN ('resolved', 'closed');
  IF is_final AND NOT was_final THEN
    PERFORM desk_bump('pending', OLD.created_at, -1);
  ELSIF was_final AND NOT is_final THEN
    PERFORM desk_bump('pending', OLD.created_at, 1);
  END IF;
  IF NEW.status = 'resolved' AND OLD.status <> 'resolved' THEN
    IF NEW.handled_by = 'ai' THEN
      PERFORM desk_bump('auto_resolved', COALESCE(NEW.resolved_at, NEW.updated_at), 1);
    ELSE
      PERFORM desk_bump('human_resolved', COALESCE(NEW.resolved_at, NEW.updated_at), 1);
    END IF;
  END IF;
  IF OLD.first_response_at IS NULL AND NEW.first_response_at IS NOT NULL THEN
    frt := GREATEST(0, (extract(epoch FROM NEW.first_response_at - NEW.created_at) * 1000)::BIGINT);
    PERFORM desk_bump('first_response', NEW.first_response_at, 1);
    PERFORM desk_bump('first_response_ms', NEW.first_response_at, frt);
    PERFORM desk_bump(desk_frt_label(frt), NEW.first_response_at, 1);
  END IF;
  IF NEW.satisfaction_rating IS NOT NULL AND NEW.satisfaction_rating IS DISTINCT FROM OLD.satisfaction_rating THEN
    PERFORM desk_bump('rating_sum', NEW.updated_at, NEW.satisfaction_rating - COALESCE(OLD.satisfaction_rating, 0));
    IF OLD.satisfaction_rating IS NULL THEN
      PERFORM desk_bump('rating_count', NEW.updated_at, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER trg_desk_conversation_after AFTER INSERT OR UPDATE ON support_conversations
  FOR EACH ROW EXECUTE FUNCTION desk_conversation_after();

-- How triage routed each answered question: the first agent message carrying a triage decision or an escalation.
CREATE FUNCTION desk_message_after() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  route TEXT := NEW.metadata #>> '{triage,action}';
BEGIN
  IF NEW.sender_type <> 'agent' THEN
    RETURN NULL;
  END IF;
  IF route IS NULL AND NEW.metadata ->> 'kind' = 'escalation' THEN
    route := 'escalate';
  END IF;
  IF route IN ('auto_respond', 'suggest_articles', 'escalate') THEN
    PERFORM desk_bump('route_' || route, NEW.created_at, 1);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER trg_desk_message_after AFTER INSERT ON support_messages
  FOR EACH ROW EXECUTE FUNCTION desk_message_after();

-- Support agent invocations: one Claude call each.
CREATE FUNCTION desk_claude_call_after() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_bump('agent_calls', NEW.created_at, 1);
  PERFORM desk_bump('agent_latency_ms', NEW.created_at, NEW.latency_ms);
  IF NEW.outcome = 'ok' THEN
    PERFORM desk_bump('agent_ok', NEW.created_at, 1);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER trg_desk_claude_call_after AFTER INSERT ON claude_calls
  FOR EACH ROW EXECUTE FUNCTION desk_claude_call_after();

-- The existing conversations, counted once.
INSERT INTO desk_rollup (metric, bucket, value)
SELECT 'created', date_trunc('minute', created_at), count(*) FROM support_conversations GROUP BY 2
ON CONFLICT (metric, bucket) DO UPDATE SET value = desk_rollup.value + EXCLUDED.value;
INSERT INTO desk_rollup (metric, bucket, value)
SELECT 'pending', date_trunc('minute', created_at), count(*) FROM support_conversations
WHERE status NOT IN ('resolved', 'closed') GROUP BY 2
ON CONFLICT (metric, bucket) DO UPDATE SET value = desk_rollup.value + EXCLUDED.value;

INSERT INTO desk_rollup_hour (metric, bucket, value)
SELECT metric, date_trunc('hour', bucket), sum(value) FROM desk_rollup GROUP BY 1, 2;

-- Errors per minute, rolled up by a background job up to this watermark (never by a request).
INSERT INTO app_settings (key, value) VALUES ('desk_error_rollup_until', '1970-01-01T00:00:00Z')
ON CONFLICT (key) DO NOTHING;
