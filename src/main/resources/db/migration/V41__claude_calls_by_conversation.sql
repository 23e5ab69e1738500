-- The per-conversation token cap sums a conversation's calls before each Claude run.
CREATE INDEX idx_claude_calls_conversation ON claude_calls(conversation_id) WHERE conversation_id IS NOT NULL;
