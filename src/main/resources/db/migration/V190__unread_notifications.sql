-- The unread admin notifications are counted on every list request; most notifications get read, so a partial index
-- keeps that count small however long the history grows.
CREATE INDEX idx_admin_notifications_unread ON admin_notifications (id) WHERE read_at IS NULL;
