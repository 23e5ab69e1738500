package io.supportpilot.learning;

import io.supportpilot.knowledge.TextAnalysis;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plan 4.2, article drafts: recent conversations that a human answered without linking an article are grouped by
 * the distinctive words of their questions; a group with 3 or more resolved conversations and a resolution rate of
 * 0.8 or more becomes a draft article in Dutch and English, assembled from the human answers (never from customer
 * text), with its source conversations. The draft waits for review; admins are notified.
 */
final class ArticleDrafter {

  static final int MIN_RESOLVED = 3;
  static final double MIN_RESOLUTION_RATE = 0.8;

  private final Pool pool;
  private final SuggestionStore suggestions;
  private final Notifier notifier;
  private final Clock clock;
  private final Duration window;
  private final double similarity;
  private final LearningClaims claims;
  private final ClaudeLearning claude;
  private static final Logger LOG = LoggerFactory.getLogger(ArticleDrafter.class);
  static final String JOB = "draft";

  ArticleDrafter(Pool pool, SuggestionStore suggestions, Notifier notifier, Clock clock, Duration window,
      double similarity, LearningClaims claims, ClaudeLearning claude) {
    this.claims = claims;
    this.claude = claude;
    this.pool = pool;
    this.suggestions = suggestions;
    this.notifier = notifier;
    this.clock = clock;
    this.window = window;
    this.similarity = similarity;
  }

  /** A conversation a human worked on, without an article. */
  record Case(String id, String language, String subject, Set<String> terms, boolean resolved, String answer) {
  }

  /** Runs once; returns the ids of the drafts created. */
  Future<List<Long>> run() {
    OffsetDateTime since = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC).minus(window);
    Future<List<Case>> cases = pool.preparedQuery("SELECT c.id, c.language, c.subject, coalesce((SELECT content FROM "
            + "support_messages m WHERE m.conversation_id = c.id AND m.sender_type = 'customer' ORDER BY m.id LIMIT 1)"
            + ", ''), c.status IN ('resolved', 'closed') AND coalesce(c.satisfaction_rating, 5) >= 3, coalesce((SELECT "
            + "string_agg(content, E'\\n\\n' ORDER BY id) FROM support_messages m WHERE m.conversation_id = c.id AND "
            + "m.sender_type = 'admin'), '') FROM support_conversations c WHERE c.created_at > $1 AND "
            + "c.resolved_article_slug IS NULL AND c.auto_created = FALSE AND (c.handled_by = 'human' OR "
            + "EXISTS (SELECT 1 FROM support_messages m WHERE m.conversation_id = c.id AND m.sender_type = 'admin')) "
            + "AND " + LearningClaims.unclaimed("c.id", "'draft'", "$2") + " ORDER BY c.created_at, c.id LIMIT 5000")
        .execute(Tuple.of(since, claims.now())).map(rs -> {
          List<Case> out = new ArrayList<>();
          for (Row r : rs) {
            out.add(new Case(r.getString(0), r.getString(1), r.getString(2), terms(r.getString(2) + " "
                + r.getString(3)), r.getBoolean(4), r.getString(5)));
          }
          return out;
        });
    Future<Set<String>> taken = suggestions.draftSources();
    return Future.all(cases, taken).compose(all -> {
      List<List<Case>> groups = groups(cases.result(), taken.result(), similarity);
      List<Long> created = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (List<Case> g : groups) {
        List<Case> resolved = g.stream().filter(Case::resolved).toList();
        if (resolved.size() < MIN_RESOLVED || (double) resolved.size() / g.size() < MIN_RESOLUTION_RATE) {
          continue;
        }
        List<String> sources = resolved.stream().map(Case::id).toList();
        double confidence = Math.min(0.9, Math.round((0.5 + 0.05 * resolved.size()) * 100) / 100.0);
        // The group's conversations are claimed together first: another instance drafting at the same time gets
        // none of them, so no group is drafted (or sent to Claude) twice.
        chain = chain.compose(v -> claims.claimAll(JOB, sources)).compose(mine -> !mine ? Future.succeededFuture()
            : write(resolved).compose(w -> suggestions.create("article", w.payload(), confidence, sources,
                    w.analysis())
                .compose(id -> claims.finish(JOB, sources, "draft:" + id).compose(x -> {
                  created.add(id);
                  return notifier.notify("new_article_draft", "New article draft: "
                      + w.payload().getString("title_en"), new JsonObject().put("suggestion_id", id)
                      .put("source_conversations", new JsonArray(sources)).put("analysis", w.analysis()));
                }))));
      }
      return chain.map(created);
    });
  }

  /** A draft's payload and who wrote it. */
  private record Written(JsonObject payload, String analysis) {
  }

  /**
   * Claude's draft when it is available and passes validation (written from the human answers, with the subjects
   * as context), else the draft assembled from the human answers.
   */
  private Future<Written> write(List<Case> resolved) {
    Written assembled = new Written(draft(resolved), "extractive");
    if (claude.unavailable() != null) {
      return Future.succeededFuture(assembled);
    }
    List<ClaudeLearning.Answered> answered = resolved.stream()
        .map(c -> new ClaudeLearning.Answered(c.language(), c.subject(), c.answer())).toList();
    return claude.draft(answered).map(d -> {
      JsonObject p = assembled.payload().copy().put("title_nl", d.titleNl()).put("title_en", d.titleEn())
          .put("content_nl", d.contentNl()).put("content_en", d.contentEn()).put("slug", slug(d.titleEn()));
      if (!d.tags().isEmpty()) {
        p.put("tags", new JsonArray(d.tags()));
      }
      return new Written(p, "claude");
    }).recover(e -> {
      LOG.info("article draft: Claude's draft not used ({}); assembled from the human answers instead",
          e.getMessage());
      return Future.succeededFuture(assembled);
    });
  }

  static String slug(String topic) {
    String slug = "draft-" + topic.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    return slug.length() > 80 ? slug.substring(0, 80).replaceAll("-$", "") : slug;
  }

  /**
   * Greedy grouping: each case not yet in a group or a draft starts a group of every later such case whose terms
   * overlap its own by at least {@code similarity} (Jaccard on 5-letter word starts).
   */
  static List<List<Case>> groups(List<Case> cases, Set<String> taken, double similarity) {
    List<List<Case>> groups = new ArrayList<>();
    Set<String> used = new HashSet<>(taken);
    for (int i = 0; i < cases.size(); i++) {
      Case seed = cases.get(i);
      if (used.contains(seed.id()) || seed.terms().isEmpty()) {
        continue;
      }
      List<Case> g = new ArrayList<>();
      g.add(seed);
      for (int j = i + 1; j < cases.size(); j++) {
        Case c = cases.get(j);
        if (!used.contains(c.id()) && jaccard(seed.terms(), c.terms()) >= similarity) {
          g.add(c);
        }
      }
      if (g.size() > 1) {
        g.forEach(c -> used.add(c.id()));
        groups.add(g);
      }
    }
    return groups;
  }

  static Set<String> terms(String text) {
    Set<String> out = new HashSet<>();
    for (String w : TextAnalysis.words(text)) {
      if (ResolutionAnalysis.distinctive(w)) {
        out.add(w.length() <= 5 ? w : w.substring(0, 5));
      }
    }
    return out;
  }

  static double jaccard(Set<String> a, Set<String> b) {
    Set<String> inter = new HashSet<>(a);
    inter.retainAll(b);
    int union = a.size() + b.size() - inter.size();
    return union == 0 ? 0 : (double) inter.size() / union;
  }

  /**
   * The draft: a title from the group's most frequent subject words, and per language the human answers given in
   * that language; a language without answers says that a translation is needed and quotes the other one.
   */
  static JsonObject draft(List<Case> resolved) {
    Map<String, Integer> freq = new LinkedHashMap<>();
    for (Case c : resolved) {
      for (String w : new HashSet<>(TextAnalysis.words(c.subject()))) {
        if (ResolutionAnalysis.distinctive(w)) {
          freq.merge(w, 1, Integer::sum);
        }
      }
    }
    List<String> top = freq.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(4)
        .map(Map.Entry::getKey).toList();
    String topic = top.isEmpty() ? resolved.get(0).subject() : String.join(" ", top);
    Map<String, StringBuilder> content = new HashMap<>();
    for (Case c : resolved) {
      if (!c.answer().isBlank()) {
        content.computeIfAbsent(c.language(), k -> new StringBuilder()).append(c.answer().trim()).append("\n\n");
      }
    }
    String nl = content.containsKey("nl") ? content.get("nl").toString().trim() : null;
    String en = content.containsKey("en") ? content.get("en").toString().trim() : null;
    if (nl == null) {
      nl = "[Vertaling nodig: de antwoorden hieronder zijn in het Engels gegeven.]\n\n" + en;
    }
    if (en == null) {
      en = "[Translation needed: the answers below were given in Dutch.]\n\n" + nl;
    }
    String slug = slug(topic);
    List<String> tags = new ArrayList<>(top);
    return new JsonObject().put("slug", slug).put("category", "learned").put("title_nl", "Veelgestelde vraag: " + topic)
        .put("title_en", "Frequent question: " + topic).put("content_nl", cap(nl)).put("content_en", cap(en))
        .put("tags", new JsonArray(tags)).put("published", false).put("auto_generated", true)
        .put("source_conversations", new JsonArray(resolved.stream().map(Case::id).toList()));
  }

  private static String cap(String s) {
    return s.length() > 19_000 ? s.substring(0, 19_000) : s;
  }
}
