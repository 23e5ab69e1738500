package io.supportpilot.knowledge;

import io.supportpilot.knowledge.KnowledgeStore.Page;
import io.supportpilot.knowledge.KnowledgeStore.ResolvedConversation;
import io.supportpilot.knowledge.KnowledgeStore.StoredEmbedding;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Articles, patterns and resolved conversations: stored in Postgres, embedded (vectors cached in
 * {@code support_embeddings} by content hash and model, recomputed only on change) and indexed immediately on
 * every change. Index writes run on one dedicated worker thread, in order.
 */
public final class KnowledgeService {

  private static final Logger LOG = LoggerFactory.getLogger(KnowledgeService.class);
  /** The text parts embedded per article. */
  static final List<String> ARTICLE_PARTS = List.of("en", "nl", "en-title", "nl-title");

  private final KnowledgeStore store;
  private final Embedder embedder;
  private final KnowledgeIndex index;
  private final WorkerExecutor indexWriter;
  private final int conversationLimit;
  private final AtomicReference<OffsetDateTime> conversationsSince =
      new AtomicReference<>(OffsetDateTime.of(1970, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC));
  private volatile long embeddingsComputed;
  // What this instance has indexed, to pick up changes made through another instance (scaled mode).
  private final Map<String, OffsetDateTime> indexedVersions = new ConcurrentHashMap<>();
  private volatile String indexedPatterns = "";

  KnowledgeService(Vertx vertx, KnowledgeStore store, Embedder embedder, KnowledgeIndex index, int conversationLimit) {
    this.store = store;
    this.embedder = embedder;
    this.index = index;
    this.conversationLimit = conversationLimit;
    this.indexWriter = vertx.createSharedWorkerExecutor("supportpilot-knowledge-index", 1);
  }

  /** The search index. */
  public KnowledgeIndex index() {
    return index;
  }

  /** The embedder in use. */
  public Embedder embedder() {
    return embedder;
  }

  /** How many vectors were computed (not taken from the store) since start; for tests and the admin. */
  public long embeddingsComputed() {
    return embeddingsComputed;
  }

  /** Loads every article, pattern and resolved conversation into the index. */
  Future<Void> loadAll() {
    return store.articleVersions().compose(versions -> store.allArticles()
            .compose(this::indexArticles)
            .onSuccess(v -> indexedVersions.putAll(versions)))
        .compose(v -> reloadPatterns())
        .compose(v -> refreshConversations());
  }

  /**
   * Picks up articles and patterns changed in the store by another engine instance (or directly in SQL): new or
   * updated articles are re-indexed, deleted ones removed, patterns reloaded when their table changed.
   */
  public Future<Void> refreshChanged() {
    return store.articleVersions().compose(versions -> {
      List<String> changed = new ArrayList<>();
      versions.forEach((slug, at) -> {
        if (!at.equals(indexedVersions.get(slug))) {
          changed.add(slug);
        }
      });
      List<String> removed = new ArrayList<>();
      indexedVersions.keySet().forEach(slug -> {
        if (!versions.containsKey(slug)) {
          removed.add(slug);
        }
      });
      Future<Void> f = Future.succeededFuture();
      if (!changed.isEmpty()) {
        f = store.allArticles().compose(all -> indexArticles(all.stream()
            .filter(a -> changed.contains(a.slug())).toList()));
      }
      if (!removed.isEmpty()) {
        f = f.compose(v -> indexWriter.<Void>executeBlocking(() -> {
          removed.forEach(index::removeArticle);
          return null;
        }, true));
      }
      return f.onSuccess(v -> {
        removed.forEach(indexedVersions::remove);
        indexedVersions.putAll(versions);
      });
    }).compose(v -> store.patternsVersion()).compose(version -> version.equals(indexedPatterns)
        ? Future.succeededFuture() : reloadPatterns());
  }

  void close() {
    indexWriter.close();
  }

  // ---- articles

  Future<Page<Article>> listArticles(String category, Boolean published, String q, int limit, int offset) {
    return store.listArticles(category, published, q, limit, offset);
  }

  Future<Article> article(String slug) {
    return store.article(slug).map(a -> {
      if (a == null) {
        throw HttpFailure.notFound("no article with slug '" + slug + "'");
      }
      return a;
    });
  }

  /** Embeds first (a failing embedder stores nothing), then inserts and indexes. */
  Future<Article> createArticle(Article a) {
    return embedArticles(List.of(a)).compose(batch -> store.insertArticle(a).compose(inserted -> {
      if (!inserted) {
        return Future.failedFuture(HttpFailure.conflict("an article with slug '" + a.slug() + "' exists already"));
      }
      return putIndex(batch).map(a);
    }));
  }

  /** Embeds first (a failing embedder changes nothing), then updates and re-indexes. */
  Future<Article> updateArticle(Article a) {
    return embedArticles(List.of(a)).compose(batch -> store.updateArticle(a).compose(updated -> {
      if (!updated) {
        return Future.failedFuture(HttpFailure.notFound("no article with slug '" + a.slug() + "'"));
      }
      return putIndex(batch).map(a);
    }));
  }

  /** Unpublishes, or deletes when {@code hard}. */
  Future<Void> deleteArticle(String slug, boolean hard) {
    if (!hard) {
      return article(slug).compose(a -> updateArticle(new Article(a.slug(), a.category(), a.titleNl(), a.titleEn(),
          a.contentNl(), a.contentEn(), a.tags(), false))).mapEmpty();
    }
    return store.deleteArticle(slug).compose(deleted -> {
      if (!deleted) {
        return Future.failedFuture(HttpFailure.notFound("no article with slug '" + slug + "'"));
      }
      return indexWriter.<Void>executeBlocking(() -> {
        index.removeArticle(slug);
        return null;
      }, true).compose(v -> reloadPatterns());
    });
  }

  private Future<Void> indexArticles(List<Article> list) {
    if (list.isEmpty()) {
      return Future.succeededFuture();
    }
    return embedArticles(list).compose(this::putIndex);
  }

  private Future<Void> putIndex(Map<Article, float[][]> batch) {
    return indexWriter.<Void>executeBlocking(() -> {
      index.putArticles(batch);
      return null;
    }, true);
  }

  private Future<Map<Article, float[][]>> embedArticles(List<Article> list) {
    Map<String, String> texts = new LinkedHashMap<>();
    for (Article a : list) {
      for (String part : ARTICLE_PARTS) {
        texts.put(a.slug() + "\u0000" + part, articleText(a, part));
      }
    }
    String only = list.size() == 1 ? list.get(0).slug() : null;
    return vectors(KnowledgeIndex.ARTICLE, only, texts).map(vectors -> {
      Map<Article, float[][]> batch = new LinkedHashMap<>();
      for (Article a : list) {
        float[][] vs = new float[ARTICLE_PARTS.size()][];
        for (int i = 0; i < vs.length; i++) {
          vs[i] = vectors.get(a.slug() + "\u0000" + ARTICLE_PARTS.get(i));
        }
        batch.put(a, vs);
      }
      return batch;
    });
  }

  static String articleText(Article a, String part) {
    switch (part) {
      case "en":
        return a.titleEn() + ". " + a.contentEn();
      case "nl":
        return a.titleNl() + ". " + a.contentNl();
      case "en-title":
        return a.titleEn() + ". " + String.join(", ", a.tags());
      default:
        return a.titleNl() + ". " + String.join(", ", a.tags());
    }
  }

  // ---- patterns

  Future<Page<SupportPattern>> listPatterns(String articleSlug, Boolean active, String errorCode, int limit,
      int offset) {
    return store.listPatterns(articleSlug, active, errorCode, limit, offset);
  }

  Future<SupportPattern> pattern(String id) {
    return store.pattern(id).map(p -> {
      if (p == null) {
        throw HttpFailure.notFound("no pattern with id '" + id + "'");
      }
      return p;
    });
  }

  Future<SupportPattern> createPattern(SupportPattern p) {
    return checkArticle(p).compose(v -> store.insertPattern(p)).compose(inserted -> {
      if (!inserted) {
        return Future.failedFuture(HttpFailure.conflict("a pattern with id '" + p.id() + "' exists already"));
      }
      return reloadPatterns().compose(v -> pattern(p.id()));
    });
  }

  Future<SupportPattern> updatePattern(SupportPattern p) {
    return checkArticle(p).compose(v -> store.updatePattern(p)).compose(updated -> {
      if (!updated) {
        return Future.failedFuture(HttpFailure.notFound("no pattern with id '" + p.id() + "'"));
      }
      return reloadPatterns().compose(v -> pattern(p.id()));
    });
  }

  /** Deactivates, or deletes when {@code hard}. */
  Future<Void> deletePattern(String id, boolean hard) {
    Future<Boolean> f = hard ? store.deletePattern(id) : pattern(id).compose(p -> store.updatePattern(
        new SupportPattern(p.id(), p.name(), p.keywords(), p.regex(), p.errorCodes(), p.errorTypes(), p.articleSlug(),
            p.minConfidence(), false, p.deactivationReason() == null ? "deactivated by an admin"
            : p.deactivationReason(), p.timesTriggered(), p.timesResolved())));
    return f.compose(done -> {
      if (!done) {
        return Future.failedFuture(HttpFailure.notFound("no pattern with id '" + id + "'"));
      }
      return reloadPatterns();
    });
  }

  private Future<Void> checkArticle(SupportPattern p) {
    if (p.articleSlug() == null) {
      return Future.succeededFuture();
    }
    return store.articleExists(p.articleSlug()).compose(exists -> exists ? Future.<Void>succeededFuture()
        : Future.failedFuture(HttpFailure.badRequest("pattern field 'article_slug' names no existing article: '"
            + p.articleSlug() + "'")));
  }

  private Future<Void> reloadPatterns() {
    return store.patternsVersion().compose(version -> store.allPatterns()
        .compose(all -> indexWriter.<Void>executeBlocking(() -> {
          index.setPatterns(all);
          return null;
        }, true))
        .onSuccess(v -> indexedPatterns = version));
  }

  // ---- conversations

  /** Picks up conversations resolved since the last refresh and indexes them. */
  Future<Void> refreshConversations() {
    if (conversationLimit == 0) {
      return Future.succeededFuture();
    }
    OffsetDateTime since = conversationsSince.get();
    return store.resolvedConversations(since, conversationLimit).compose(list -> {
      if (list.isEmpty()) {
        return Future.succeededFuture();
      }
      Map<String, String> texts = new LinkedHashMap<>();
      OffsetDateTime newest = since;
      for (ResolvedConversation c : list) {
        texts.put(c.id() + "\u0000", c.text());
        if (c.updatedAt().isAfter(newest)) {
          newest = c.updatedAt();
        }
      }
      OffsetDateTime next = newest;
      return vectors(KnowledgeIndex.CONVERSATION, list.size() == 1 ? list.get(0).id() : null, texts)
          .compose(vectors -> {
            List<IndexedConversation> batch = new ArrayList<>();
            for (ResolvedConversation c : list) {
              batch.add(new IndexedConversation(c.id(), c.userId(), c.subject(), c.text(), vectors.get(c.id() + "\u0000")));
            }
            return indexWriter.<Void>executeBlocking(() -> {
              index.putConversations(batch);
              return null;
            }, true);
          })
          .onSuccess(v -> conversationsSince.set(next));
    });
  }

  // ---- embeddings

  /**
   * Vectors for texts keyed by {@code sourceId \0 part}: taken from {@code support_embeddings} when the stored
   * content hash and model match, otherwise computed and stored.
   */
  private Future<Map<String, float[]>> vectors(String sourceType, String onlyId, Map<String, String> texts) {
    String model = embedder.model();
    return store.embeddings(sourceType, onlyId, model).compose(stored -> {
      Map<String, StoredEmbedding> byKey = new HashMap<>();
      for (StoredEmbedding e : stored) {
        byKey.put(e.sourceId() + "\u0000" + e.part(), e);
      }
      Map<String, float[]> out = new HashMap<>();
      List<String> missingKeys = new ArrayList<>();
      List<String> missingTexts = new ArrayList<>();
      Map<String, String> hashes = new HashMap<>();
      for (Map.Entry<String, String> t : texts.entrySet()) {
        String hash = sha256(model + "\n" + t.getValue());
        hashes.put(t.getKey(), hash);
        StoredEmbedding e = byKey.get(t.getKey());
        if (e != null && e.contentHash().equals(hash)) {
          out.put(t.getKey(), e.vector());
        } else {
          missingKeys.add(t.getKey());
          missingTexts.add(t.getValue());
        }
      }
      if (missingKeys.isEmpty()) {
        return Future.succeededFuture(out);
      }
      return embedder.embedDocuments(missingTexts).compose(vs -> {
        embeddingsComputed += vs.size();
        List<StoredEmbedding> save = new ArrayList<>();
        for (int i = 0; i < vs.size(); i++) {
          String key = missingKeys.get(i);
          int cut = key.indexOf('\u0000');
          out.put(key, vs.get(i));
          save.add(new StoredEmbedding(sourceType, key.substring(0, cut), key.substring(cut + 1), hashes.get(key),
              vs.get(i)));
        }
        LOG.debug("computed {} {} embeddings with {}", vs.size(), sourceType, model);
        return store.saveEmbeddings(save, model).map(out);
      });
    });
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
