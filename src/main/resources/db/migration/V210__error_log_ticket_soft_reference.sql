-- support_error_log.ticket_id becomes a plain reference (issue 19). The foreign key checked every error row that
-- carries its ticket: a lookup with a FOR KEY SHARE lock on the ticket's row, under a storm ~34 us per row (53,775
-- checks in a 20 s storm, pg_stat_statements), with every error of one ticket locking the same row. The engine never
-- deletes a conversation (erasure pseudonymises it), so ON DELETE SET NULL never fired; readers join on ticket_id
-- and treat an id with no conversation as no ticket.
ALTER TABLE support_error_log DROP CONSTRAINT support_error_log_ticket_id_fkey;
