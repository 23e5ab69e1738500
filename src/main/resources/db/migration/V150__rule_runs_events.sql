-- Error rules fire once per (rule, user, fingerprint, window) (docs/rules.md, "What a firing is"): a run records
-- how many matching stored errors it stands for. Runs of other trigger types stand for one object.
ALTER TABLE rule_runs ADD COLUMN events BIGINT NOT NULL DEFAULT 1;
