package io.supportpilot.knowledge;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/** Postgres access for articles, patterns, stored embeddings and resolved conversations (asynchronous pg client). */
final class KnowledgeStore {

  private static final String ARTICLE_COLUMNS =
      "slug, category, title_nl, title_en, content_nl, content_en, tags, published";
  private static final String PATTERN_COLUMNS = "id, name, keywords, regex, error_codes, error_types, article_slug,"
      + " min_confidence, active, deactivation_reason, times_triggered, times_resolved";

  /** One page of a listing with the total count. */
  record Page<T>(List<T> items, long total) {
  }

  /** A stored embedding. */
  record StoredEmbedding(String sourceType, String sourceId, String part, String contentHash, float[] vector) {
  }

  /** A resolved conversation, as text for similarity search. */
  record ResolvedConversation(String id, String userId, String subject, String language, String text,
      OffsetDateTime updatedAt) {
  }

  private final Pool pool;

  KnowledgeStore(Pool pool) {
    this.pool = pool;
  }

  Future<Page<Article>> listArticles(String category, Boolean published, String text, int limit, int offset) {
    String where = " WHERE ($1::text IS NULL OR category = $1) AND ($2::boolean IS NULL OR published = $2)"
        + " AND ($3::text IS NULL OR slug ILIKE $3 OR title_nl ILIKE $3 OR title_en ILIKE $3)";
    String like = text == null ? null : "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    Tuple args = Tuple.of(category, published, like);
    Future<RowSet<Row>> count = pool.preparedQuery("SELECT count(*) FROM knowledge_articles" + where).execute(args);
    Future<RowSet<Row>> rows = pool.preparedQuery("SELECT " + ARTICLE_COLUMNS + " FROM knowledge_articles" + where
        + " ORDER BY slug LIMIT $4 OFFSET $5").execute(Tuple.of(category, published, like, limit, offset));
    return Future.all(count, rows).map(v -> new Page<>(articles(rows.result()),
        count.result().iterator().next().getLong(0)));
  }

  Future<List<Article>> allArticles() {
    return pool.query("SELECT " + ARTICLE_COLUMNS + " FROM knowledge_articles ORDER BY slug").execute()
        .map(KnowledgeStore::articles);
  }

  Future<Article> article(String slug) {
    return pool.preparedQuery("SELECT " + ARTICLE_COLUMNS + " FROM knowledge_articles WHERE slug = $1")
        .execute(Tuple.of(slug)).map(rs -> rs.size() == 0 ? null : article(rs.iterator().next()));
  }

  /** Inserts; returns false when the slug exists. */
  Future<Boolean> insertArticle(Article a) {
    return pool.preparedQuery("INSERT INTO knowledge_articles (" + ARTICLE_COLUMNS + ") VALUES"
        + " ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (slug) DO NOTHING")
        .execute(articleTuple(a)).map(rs -> rs.rowCount() == 1);
  }

  /** Updates; returns false when there is no such slug. */
  Future<Boolean> updateArticle(Article a) {
    return pool.preparedQuery("UPDATE knowledge_articles SET category = $2, title_nl = $3, title_en = $4,"
        + " content_nl = $5, content_en = $6, tags = $7, published = $8, updated_at = now() WHERE slug = $1")
        .execute(articleTuple(a)).map(rs -> rs.rowCount() == 1);
  }

  Future<Boolean> deleteArticle(String slug) {
    return pool.withTransaction(c -> c.preparedQuery("DELETE FROM support_embeddings WHERE source_type = 'article'"
            + " AND source_id = $1").execute(Tuple.of(slug))
        .compose(v -> c.preparedQuery("DELETE FROM knowledge_articles WHERE slug = $1").execute(Tuple.of(slug))))
        .map(rs -> rs.rowCount() == 1);
  }

  Future<Page<SupportPattern>> listPatterns(String articleSlug, Boolean active, String errorCode, int limit,
      int offset) {
    String where = " WHERE ($1::text IS NULL OR article_slug = $1) AND ($2::boolean IS NULL OR active = $2)"
        + " AND ($3::text IS NULL OR $3 = ANY(error_codes))";
    Future<RowSet<Row>> count = pool.preparedQuery("SELECT count(*) FROM support_patterns" + where)
        .execute(Tuple.of(articleSlug, active, errorCode));
    Future<RowSet<Row>> rows = pool.preparedQuery("SELECT " + PATTERN_COLUMNS + " FROM support_patterns" + where
        + " ORDER BY id LIMIT $4 OFFSET $5").execute(Tuple.of(articleSlug, active, errorCode, limit, offset));
    return Future.all(count, rows).map(v -> new Page<>(patterns(rows.result()),
        count.result().iterator().next().getLong(0)));
  }

  Future<List<SupportPattern>> allPatterns() {
    return pool.query("SELECT " + PATTERN_COLUMNS + " FROM support_patterns ORDER BY id").execute()
        .map(KnowledgeStore::patterns);
  }

  Future<SupportPattern> pattern(String id) {
    return pool.preparedQuery("SELECT " + PATTERN_COLUMNS + " FROM support_patterns WHERE id = $1")
        .execute(Tuple.of(id)).map(rs -> rs.size() == 0 ? null : pattern(rs.iterator().next()));
  }

  Future<Boolean> insertPattern(SupportPattern p) {
    return pool.preparedQuery("INSERT INTO support_patterns (id, name, keywords, regex, error_codes, error_types,"
        + " article_slug, min_confidence, active, deactivation_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        + " ON CONFLICT (id) DO NOTHING").execute(patternTuple(p)).map(rs -> rs.rowCount() == 1);
  }

  Future<Boolean> updatePattern(SupportPattern p) {
    return pool.preparedQuery("UPDATE support_patterns SET name = $2, keywords = $3, regex = $4, error_codes = $5,"
        + " error_types = $6, article_slug = $7, min_confidence = $8, active = $9, deactivation_reason = $10,"
        + " updated_at = now() WHERE id = $1").execute(patternTuple(p)).map(rs -> rs.rowCount() == 1);
  }

  Future<Boolean> deletePattern(String id) {
    return pool.preparedQuery("DELETE FROM support_patterns WHERE id = $1").execute(Tuple.of(id))
        .map(rs -> rs.rowCount() == 1);
  }

  Future<Boolean> articleExists(String slug) {
    return pool.preparedQuery("SELECT 1 FROM knowledge_articles WHERE slug = $1").execute(Tuple.of(slug))
        .map(rs -> rs.size() == 1);
  }

  Future<List<StoredEmbedding>> embeddings(String sourceType, String sourceId, String model) {
    return pool.preparedQuery("SELECT source_type, source_id, part, content_hash, vector FROM support_embeddings"
            + " WHERE source_type = $1 AND ($2::text IS NULL OR source_id = $2) AND embedding_model = $3")
        .execute(Tuple.of(sourceType, sourceId, model))
        .map(rs -> {
          List<StoredEmbedding> out = new ArrayList<>();
          for (Row r : rs) {
            Float[] boxed = r.getArrayOfFloats("vector");
            float[] v = new float[boxed.length];
            for (int i = 0; i < v.length; i++) {
              v[i] = boxed[i];
            }
            out.add(new StoredEmbedding(r.getString(0), r.getString(1), r.getString(2), r.getString(3), v));
          }
          return out;
        });
  }

  /** Upserts a batch of embeddings in one statement batch. */
  Future<Void> saveEmbeddings(List<StoredEmbedding> list, String model) {
    if (list.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> batch = new ArrayList<>();
    for (StoredEmbedding e : list) {
      Float[] boxed = new Float[e.vector().length];
      for (int i = 0; i < boxed.length; i++) {
        boxed[i] = e.vector()[i];
      }
      batch.add(Tuple.of(e.sourceType() + ":" + e.sourceId() + ":" + e.part() + ":" + model, e.sourceType(),
          e.sourceId(), e.part(), e.contentHash(), model, boxed.length, boxed));
    }
    return pool.preparedQuery("INSERT INTO support_embeddings (id, source_type, source_id, part, content_hash,"
            + " embedding_model, dimensions, vector) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            + " ON CONFLICT (source_type, source_id, part, embedding_model) DO UPDATE SET content_hash = EXCLUDED.content_hash,"
            + " dimensions = EXCLUDED.dimensions, vector = EXCLUDED.vector, created_at = now()")
        .executeBatch(batch).mapEmpty();
  }

  /** Resolved or closed conversations updated after {@code since}, with their customer messages, newest first. */
  Future<List<ResolvedConversation>> resolvedConversations(OffsetDateTime since, int limit) {
    return pool.preparedQuery("SELECT c.id, c.user_id, c.subject, c.language, c.updated_at,"
            + " coalesce(string_agg(m.content, E'\\n' ORDER BY m.id) FILTER (WHERE m.sender_type = 'customer'), '')"
            + " FROM support_conversations c LEFT JOIN support_messages m ON m.conversation_id = c.id"
            + " WHERE c.status IN ('resolved', 'closed') AND c.updated_at > $1"
            + " GROUP BY c.id ORDER BY c.updated_at DESC LIMIT $2")
        .execute(Tuple.of(since, limit))
        .map(rs -> {
          List<ResolvedConversation> out = new ArrayList<>();
          for (Row r : rs) {
            String body = r.getString(5);
            out.add(new ResolvedConversation(r.getString(0), r.getString(1), r.getString(2), r.getString(3),
                r.getString(2) + "\n" + (body.length() > 4000 ? body.substring(0, 4000) : body), r.getOffsetDateTime(4)));
          }
          return out;
        });
  }

  /** Every article's slug with its last change, and the newest pattern change with the pattern count. */
  Future<Map<String, OffsetDateTime>> articleVersions() {
    return pool.query("SELECT slug, updated_at FROM knowledge_articles").execute().map(rs -> {
      Map<String, OffsetDateTime> out = new HashMap<>();
      for (Row r : rs) {
        out.put(r.getString(0), r.getOffsetDateTime(1));
      }
      return out;
    });
  }

  /** A fingerprint of the pattern table: count and newest change. */
  Future<String> patternsVersion() {
    return pool.query("SELECT count(*), max(updated_at) FROM support_patterns").execute()
        .map(rs -> rs.iterator().next().getLong(0) + "@" + rs.iterator().next().getOffsetDateTime(1));
  }

  Future<Boolean> setting(String key) {
    return pool.preparedQuery("SELECT 1 FROM app_settings WHERE key = $1").execute(Tuple.of(key))
        .map(rs -> rs.size() == 1);
  }

  Future<Void> putSetting(String key, String value) {
    return pool.preparedQuery("INSERT INTO app_settings (key, value) VALUES ($1, $2) ON CONFLICT (key)"
        + " DO UPDATE SET value = EXCLUDED.value, updated_at = now()").execute(Tuple.of(key, value)).mapEmpty();
  }

  private static Tuple articleTuple(Article a) {
    return Tuple.of(a.slug(), a.category(), a.titleNl(), a.titleEn(), a.contentNl(), a.contentEn(),
        a.tags().toArray(new String[0]), a.published());
  }

  private static Tuple patternTuple(SupportPattern p) {
    return Tuple.tuple(Arrays.asList(p.id(), p.name(), p.keywords().toArray(new String[0]), p.regex(),
        p.errorCodes().toArray(new String[0]), p.errorTypes().toArray(new String[0]), p.articleSlug(),
        p.minConfidence(), p.active(), p.deactivationReason()));
  }

  private static List<Article> articles(RowSet<Row> rs) {
    List<Article> out = new ArrayList<>();
    for (Row r : rs) {
      out.add(article(r));
    }
    return out;
  }

  private static Article article(Row r) {
    return new Article(r.getString(0), r.getString(1), r.getString(2), r.getString(3), r.getString(4),
        r.getString(5), List.of(r.getArrayOfStrings(6)), r.getBoolean(7));
  }

  private static List<SupportPattern> patterns(RowSet<Row> rs) {
    List<SupportPattern> out = new ArrayList<>();
    for (Row r : rs) {
      out.add(pattern(r));
    }
    return out;
  }

  private static SupportPattern pattern(Row r) {
    return new SupportPattern(r.getString(0), r.getString(1), List.of(r.getArrayOfStrings(2)), r.getString(3),
        List.of(r.getArrayOfStrings(4)), List.of(r.getArrayOfStrings(5)), r.getString(6), r.getDouble(7),
        r.getBoolean(8), r.getString(9), r.getInteger(10), r.getInteger(11));
  }
}
