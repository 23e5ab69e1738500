-- Knowledge and triage: an article has one embedding per language (part 'nl' / 'en'), so the embedding key
-- becomes (source_type, source_id, part, model). Conversations and patterns use part ''.
ALTER TABLE support_embeddings ADD COLUMN part TEXT NOT NULL DEFAULT '';
ALTER TABLE support_embeddings DROP CONSTRAINT uq_embeddings_source;
ALTER TABLE support_embeddings ADD CONSTRAINT uq_embeddings_source_part
  UNIQUE (source_type, source_id, part, embedding_model);
