-- DevOps agent: one task per Sentry issue / fingerprint / error type while open, its runs, its analysis and PR.

ALTER TABLE devops_tasks
  ADD COLUMN dedupe_key    TEXT,
  ADD COLUMN attempts      INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN not_before    TIMESTAMPTZ,
  ADD COLUMN started_at    TIMESTAMPTZ,
  ADD COLUMN finished_at   TIMESTAMPTZ,
  ADD COLUMN outcome       TEXT,                 -- pr_opened, notified, failed, merged_into
  ADD COLUMN analysis      JSONB,
  ADD COLUMN pr_number     INTEGER,
  ADD COLUMN pr_url        TEXT,
  ADD COLUMN pr_branch     TEXT,
  ADD COLUMN pr_state      TEXT CHECK (pr_state IN ('open', 'merged', 'closed')),
  ADD COLUMN pr_created_at TIMESTAMPTZ,
  ADD COLUMN pr_merged_at  TIMESTAMPTZ,
  ADD COLUMN pr_checked_at TIMESTAMPTZ;

-- The storm guard: at most one open (or running) task per key.
CREATE UNIQUE INDEX uq_devops_tasks_open_key ON devops_tasks(dedupe_key)
  WHERE dedupe_key IS NOT NULL AND status IN ('open', 'in_progress');
CREATE INDEX idx_devops_tasks_key_finished ON devops_tasks(dedupe_key, finished_at) WHERE dedupe_key IS NOT NULL;
CREATE INDEX idx_devops_tasks_pr_open ON devops_tasks(pr_checked_at) WHERE pr_state = 'open';
CREATE INDEX idx_devops_tasks_pr_created ON devops_tasks(pr_created_at) WHERE pr_created_at IS NOT NULL;
CREATE INDEX idx_devops_tasks_pr_merged ON devops_tasks(pr_merged_at) WHERE pr_merged_at IS NOT NULL;

-- One row per agent run (Claude or offline), for invocations_24h and the audit.
CREATE TABLE devops_runs (
  id          BIGSERIAL PRIMARY KEY,
  task_id     TEXT NOT NULL REFERENCES devops_tasks(id) ON DELETE CASCADE,
  mode        TEXT NOT NULL CHECK (mode IN ('claude', 'offline')),
  outcome     TEXT,
  iterations  INTEGER NOT NULL DEFAULT 0,
  tokens      BIGINT NOT NULL DEFAULT 0,
  started_at  TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ
);
CREATE INDEX idx_devops_runs_started ON devops_runs(started_at);
CREATE INDEX idx_devops_runs_task ON devops_runs(task_id);

-- The DevOps agent's Claude calls (purpose 'devops') are not support-agent invocations in the desk rollups.
DROP TRIGGER IF EXISTS trg_desk_claude_call_after ON claude_calls;
CREATE TRIGGER trg_desk_claude_call_after AFTER INSERT ON claude_calls
  FOR EACH ROW WHEN (NEW.purpose IS DISTINCT FROM 'devops') EXECUTE FUNCTION desk_claude_call_after();
