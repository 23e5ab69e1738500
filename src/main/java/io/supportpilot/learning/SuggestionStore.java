package io.supportpilot.learning;

import io.supportpilot.knowledge.Article;
import io.supportpilot.knowledge.SupportPattern;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pattern suggestions and article drafts awaiting review: created by the learning jobs, approved (optionally
 * edited) into a live pattern or a published article, or rejected with a reason (a rejected suggestion blocks
 * similar ones from being suggested again).
 */
final class SuggestionStore {

  /** Fields an admin may edit in a pattern suggestion before approving. */
  static final Set<String> PATTERN_EDITS = Set.of("name", "keywords", "regex", "error_codes", "error_types",
      "article_slug", "min_confidence");
  /** Fields an admin may edit in an article draft before approving. */
  static final Set<String> ARTICLE_EDITS = Set.of("slug", "category", "title_nl", "title_en", "content_nl",
      "content_en", "tags");
  private static final String COLUMNS = "id, kind, status, payload, confidence, source_conversations, analysis, "
      + "reject_reason, decided_by, decided_at, result_id, created_at";

  private final Pool pool;
  private final Clock clock;

  SuggestionStore(Pool pool, Clock clock) {
    this.pool = pool;
    this.clock = clock;
  }

  /** A stored suggestion. */
  record Suggestion(long id, String kind, String status, JsonObject payload, double confidence, List<String> sources,
      String analysis, String rejectReason, String decidedBy, OffsetDateTime decidedAt, String resultId,
      OffsetDateTime createdAt) {

    JsonObject toJson() {
      return new JsonObject().put("id", id).put("kind", kind).put("status", status).put("payload", payload)
          .put("confidence", confidence).put("source_conversations", new JsonArray(sources))
          .put("analysis", analysis).put("reject_reason", rejectReason).put("decided_by", decidedBy)
          .put("decided_at", decidedAt == null ? null : decidedAt.toInstant().toString())
          .put("result_id", resultId).put("created_at", createdAt.toInstant().toString());
    }
  }

  Future<Long> create(String kind, JsonObject payload, double confidence, List<String> sources, String analysis) {
    return pool.preparedQuery("INSERT INTO learning_suggestions (kind, payload, confidence, source_conversations, "
            + "analysis, created_at) VALUES ($1, $2::jsonb, $3, $4, $5, $6) RETURNING id")
        .execute(Tuple.of(kind, payload, confidence, sources.toArray(new String[0]), analysis, now()))
        .map(rs -> rs.iterator().next().getLong(0));
  }

  /** Adds a source conversation to a pending suggestion (a second conversation that taught the same thing). */
  Future<Void> addSource(long id, String conversationId) {
    return pool.preparedQuery("UPDATE learning_suggestions SET source_conversations = "
            + "array_append(source_conversations, $2) WHERE id = $1 AND NOT ($2 = ANY(source_conversations))")
        .execute(Tuple.of(id, conversationId)).mapEmpty();
  }

  Future<List<Suggestion>> list(String status, String kind, int limit) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM learning_suggestions WHERE ($1::text IS NULL OR status = $1)"
            + " AND ($2::text IS NULL OR kind = $2) ORDER BY created_at DESC, id DESC LIMIT $3")
        .execute(Tuple.of(status, kind, limit)).map(rs -> {
          List<Suggestion> out = new ArrayList<>();
          rs.forEach(r -> out.add(suggestion(r)));
          return out;
        });
  }

  Future<Suggestion> get(long id) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM learning_suggestions WHERE id = $1").execute(Tuple.of(id))
        .map(rs -> {
          if (rs.size() == 0) {
            throw HttpFailure.notFound("no suggestion with id " + id);
          }
          return suggestion(rs.iterator().next());
        });
  }

  /**
   * Approves a pending suggestion: validates the (edited) payload like an admin body, then in one transaction
   * creates the pattern or the published article and marks the suggestion. Returns the live object's id.
   */
  Future<Suggestion> approve(long id, JsonObject edits, String who, boolean auto) {
    return pool.withTransaction(conn -> lockPending(conn, id).compose(s -> {
      JsonObject merged = s.payload().copy();
      Set<String> allowed = "pattern".equals(s.kind()) ? PATTERN_EDITS : ARTICLE_EDITS;
      for (String f : edits.fieldNames()) {
        if (!allowed.contains(f)) {
          return Future.failedFuture(HttpFailure.badRequest("a " + s.kind() + " suggestion has no editable field '"
              + f + "'; editable: " + String.join(", ", new TreeSet<>(allowed))));
        }
        merged.put(f, edits.getValue(f));
      }
      Future<String> created = "pattern".equals(s.kind()) ? insertPattern(conn, s, merged)
          : insertArticle(conn, s, merged);
      return created.compose(resultId -> conn.preparedQuery("UPDATE learning_suggestions SET status = $2, payload = "
              + "$3::jsonb, decided_by = $4, decided_at = $5, result_id = $6 WHERE id = $1")
          .execute(Tuple.of(id, auto ? "auto_approved" : "approved", merged, who, now(), resultId)));
    })).compose(v -> get(id));
  }

  Future<Suggestion> reject(long id, String reason, String who) {
    return pool.withTransaction(conn -> lockPending(conn, id).compose(s -> conn.preparedQuery(
            "UPDATE learning_suggestions SET status = 'rejected', reject_reason = $2, decided_by = $3, decided_at = $4"
                + " WHERE id = $1").execute(Tuple.of(id, reason, who, now()))))
        .compose(v -> get(id));
  }

  /** Pending and rejected pattern suggestions, to compare a new finding with (rejected ones are never re-made). */
  Future<List<Suggestion>> openOrRejectedPatterns() {
    return pool.query("SELECT " + COLUMNS + " FROM learning_suggestions WHERE kind = 'pattern' "
        + "AND status IN ('pending_review', 'rejected')").execute().map(rs -> {
          List<Suggestion> out = new ArrayList<>();
          rs.forEach(r -> out.add(suggestion(r)));
          return out;
        });
  }

  /** Every source conversation of article drafts, whatever their status (a conversation feeds one draft). */
  Future<Set<String>> draftSources() {
    return pool.query("SELECT DISTINCT unnest(source_conversations) FROM learning_suggestions WHERE kind = 'article'")
        .execute().map(rs -> {
          Set<String> out = new HashSet<>();
          rs.forEach(r -> out.add(r.getString(0)));
          return out;
        });
  }

  /** Counts for the automation metrics: pending patterns, pending articles, auto-approved in the last 7 days. */
  static Future<long[]> counts(Pool pool, OffsetDateTime now) {
    return pool.preparedQuery("SELECT count(*) FILTER (WHERE status = 'pending_review' AND kind = 'pattern'), "
            + "count(*) FILTER (WHERE status = 'pending_review' AND kind = 'article'), "
            + "count(*) FILTER (WHERE status = 'auto_approved' AND decided_at > $1) FROM learning_suggestions")
        .execute(Tuple.of(now.minusDays(7)))
        .map(rs -> {
          Row r = rs.iterator().next();
          return new long[] {r.getLong(0), r.getLong(1), r.getLong(2)};
        });
  }

  private Future<Suggestion> lockPending(SqlConnection conn, long id) {
    return conn.preparedQuery("SELECT " + COLUMNS + " FROM learning_suggestions WHERE id = $1 FOR UPDATE")
        .execute(Tuple.of(id)).compose(rs -> {
          if (rs.size() == 0) {
            return Future.failedFuture(HttpFailure.notFound("no suggestion with id " + id));
          }
          Suggestion s = suggestion(rs.iterator().next());
          if (!"pending_review".equals(s.status())) {
            return Future.failedFuture(HttpFailure.conflict("suggestion " + id + " is " + s.status()
                + ", only pending_review suggestions can be approved or rejected"));
          }
          return Future.succeededFuture(s);
        });
  }

  private Future<String> insertPattern(SqlConnection conn, Suggestion s, JsonObject payload) {
    JsonObject body = new JsonObject().put("id", "learned-" + s.id());
    for (String f : PATTERN_EDITS) {
      if (payload.containsKey(f)) {
        body.put(f, payload.getValue(f));
      }
    }
    SupportPattern p = SupportPattern.fromJson(body);  // the admin API's validation: the regex must compile
    Future<Boolean> article = p.articleSlug() == null ? Future.succeededFuture(true)
        : conn.preparedQuery("SELECT 1 FROM knowledge_articles WHERE slug = $1").execute(Tuple.of(p.articleSlug()))
            .map(rs -> rs.size() == 1);
    return article.compose(exists -> {
      if (!exists) {
        return Future.failedFuture(HttpFailure.badRequest("the suggestion's article '" + p.articleSlug()
            + "' does not exist (any more); edit article_slug"));
      }
      return conn.preparedQuery("INSERT INTO support_patterns (id, name, keywords, regex, error_codes, error_types, "
              + "article_slug, min_confidence, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
              + "TRUE, $9, $9)")
          .execute(Tuple.from(Arrays.asList(p.id(), p.name(), p.keywords().toArray(new String[0]), p.regex(),
              p.errorCodes().toArray(new String[0]), p.errorTypes().toArray(new String[0]),
              p.articleSlug(), p.minConfidence(), now())))
          .map(p.id());
    });
  }

  private Future<String> insertArticle(SqlConnection conn, Suggestion s, JsonObject payload) {
    JsonObject body = new JsonObject().put("published", true);
    for (String f : ARTICLE_EDITS) {
      if (payload.containsKey(f)) {
        body.put(f, payload.getValue(f));
      }
    }
    Article a = Article.fromJson(body);
    return conn.preparedQuery("INSERT INTO knowledge_articles (slug, category, title_nl, title_en, content_nl, "
            + "content_en, tags, published, auto_generated, source_conversations, created_at, updated_at) VALUES "
            + "($1, $2, $3, $4, $5, $6, $7, TRUE, TRUE, $8, $9, $9) ON CONFLICT (slug) DO NOTHING RETURNING slug")
        .execute(Tuple.from(Arrays.asList(a.slug(), a.category(), a.titleNl(), a.titleEn(), a.contentNl(), a.contentEn(),
            a.tags().toArray(new String[0]), s.sources().toArray(new String[0]), now())))
        .compose(rs -> rs.size() == 1 ? Future.succeededFuture(a.slug())
            : Future.failedFuture(HttpFailure.conflict("an article with slug '" + a.slug() + "' exists already; "
                + "edit slug")));
  }

  private OffsetDateTime now() {
    return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  private static Suggestion suggestion(Row r) {
    String[] sources = r.getArrayOfStrings("source_conversations");
    return new Suggestion(r.getLong("id"), r.getString("kind"), r.getString("status"),
        (JsonObject) r.getJson("payload"), r.getDouble("confidence"), sources == null ? List.of() : List.of(sources),
        r.getString("analysis"), r.getString("reject_reason"), r.getString("decided_by"),
        r.getOffsetDateTime("decided_at"), r.getString("result_id"), r.getOffsetDateTime("created_at"));
  }
}
