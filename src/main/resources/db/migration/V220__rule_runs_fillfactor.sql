-- An error rule's run is updated after its insert: the errors counted on its window are added to `events` every
-- rules.run-events-flush-interval (under a storm, one row for every (rule, user, fingerprint) window touched), and
-- the outcome is written when its actions finish. Neither touches an indexed column, so Postgres can apply them in
-- place (HOT: no new entry in the table's three indexes) when the page has room for the new version; without that
-- room 9 in 10 of these updates were not in place in the load benchmark. Measured on a copy of the table after a
-- storm (7,000 runs, ~1 KB each): 2,000 `events` updates in one statement 35 ms before, 21 ms with this fill factor
-- and the table rewritten. New pages get the room; existing ones as they are rewritten.
ALTER TABLE rule_runs SET (fillfactor = 70);
