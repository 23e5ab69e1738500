-- A storm of one bug escalates thousands of auto-tickets; admins get one unread notification per fingerprint with a
-- count, not one per ticket. Once read, the next escalation of that fingerprint opens a new notification.
CREATE UNIQUE INDEX idx_admin_notifications_open_escalation ON admin_notifications ((details->>'fingerprint'))
  WHERE kind = 'escalation' AND read_at IS NULL AND (details->>'fingerprint') IS NOT NULL;
