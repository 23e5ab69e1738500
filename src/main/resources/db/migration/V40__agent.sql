-- Support agent: per-call Claude usage, the e-mail outbox (re-auth links), and follow-up bookkeeping.

-- One row per HTTP call to the Messages API (retries are separate rows), so usage and cost can be audited.
CREATE TABLE claude_calls (
  id              BIGSERIAL PRIMARY KEY,
  conversation_id TEXT,
  purpose         TEXT NOT NULL,              -- conversation, auto_ticket
  outcome         TEXT NOT NULL,              -- ok, rate_limited, overloaded, server_error, timeout, malformed, client_error
  http_status     INTEGER,
  stop_reason     TEXT,
  input_tokens    INTEGER NOT NULL DEFAULT 0,
  output_tokens   INTEGER NOT NULL DEFAULT 0,
  latency_ms      INTEGER NOT NULL,
  model           TEXT NOT NULL,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_claude_calls_created ON claude_calls(created_at);

-- E-mails to customers. (connection_id, kind, day) is unique for re-auth mails: at most one per connection per day.
CREATE TABLE email_outbox (
  id              BIGSERIAL PRIMARY KEY,
  kind            TEXT NOT NULL,              -- reauth
  user_id         TEXT NOT NULL,
  connection_id   TEXT,
  conversation_id TEXT,
  recipient       TEXT NOT NULL,
  subject         TEXT NOT NULL,
  body            TEXT NOT NULL,
  link            TEXT,
  day             DATE NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,
  sent_at         TIMESTAMPTZ,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_email_outbox_reauth_day ON email_outbox(connection_id, kind, day) WHERE connection_id IS NOT NULL;
CREATE INDEX idx_email_outbox_status ON email_outbox(status, created_at);

-- The 24-hour follow-up: when the agent's answer went out and when the follow-up question was asked.
ALTER TABLE support_conversations ADD COLUMN agent_answered_at TIMESTAMPTZ;
ALTER TABLE support_conversations ADD COLUMN follow_up_sent_at TIMESTAMPTZ;
CREATE INDEX idx_conversations_follow_up ON support_conversations(agent_answered_at)
  WHERE follow_up_sent_at IS NULL AND status = 'waiting_customer';
