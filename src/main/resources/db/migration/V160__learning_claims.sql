-- The learning jobs claim a conversation before they analyse it, so two instances on one database never analyse
-- (or call Claude for) the same conversation twice. A claim is a learning_processed row with outcome 'claimed' and
-- a lease; the job replaces the outcome when it is done. A claim whose lease ran out (its instance died) can be
-- taken again, so nothing is lost.
ALTER TABLE learning_processed ADD COLUMN claimed_until TIMESTAMPTZ;
CREATE INDEX idx_learning_processed_claims ON learning_processed(claimed_until) WHERE outcome = 'claimed';
