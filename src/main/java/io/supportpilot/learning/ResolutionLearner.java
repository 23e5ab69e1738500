package io.supportpilot.learning;

import io.supportpilot.learning.ResolutionAnalysis.ArticleText;
import io.supportpilot.learning.ResolutionAnalysis.Finding;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plan 4.1, learning from resolutions: every conversation resolved with a rating of 4 or more is analysed once
 * (extractively, see {@link ResolutionAnalysis}); when the most similar active pattern is below 0.7 similarity a
 * pattern suggestion is created and admins are notified, otherwise the conversation counts for that pattern's
 * statistics. A finding like a rejected suggestion is dropped; one like a pending suggestion adds its source.
 */
final class ResolutionLearner {

  private static final Logger LOG = LoggerFactory.getLogger(ResolutionLearner.class);
  static final int MIN_RATING = 4;
  static final double NEW_PATTERN_MIN_CONFIDENCE = 0.85;
  /** Words in more than this share of the articles (with 10 or more articles) are never keywords: at 0.05 over 28
   * articles a keyword is a word of at most one article. */
  static final double COMMON_SHARE = 0.05;
  static final String JOB = "resolution";

  private final Pool pool;
  private final SuggestionStore suggestions;
  private final PatternStatistics statistics;
  private final Notifier notifier;
  private final AutoApproval autoApproval;
  private final LearningClaims claims;
  private final ClaudeLearning claude;

  ResolutionLearner(Pool pool, SuggestionStore suggestions, PatternStatistics statistics, Notifier notifier,
      AutoApproval autoApproval, LearningClaims claims, ClaudeLearning claude) {
    this.pool = pool;
    this.suggestions = suggestions;
    this.statistics = statistics;
    this.notifier = notifier;
    this.autoApproval = autoApproval;
    this.claims = claims;
    this.claude = claude;
  }

  /** What one run did. */
  record Result(int analysed, int suggested, int matchedPattern, int mergedIntoPending, int rejectedBefore,
      int nothingToLearn, int claimedElsewhere, int byClaude, int claudeFallbacks) {

    JsonObject toJson() {
      return new JsonObject().put("analysed", analysed).put("suggested", suggested)
          .put("matched_pattern", matchedPattern).put("merged_into_pending", mergedIntoPending)
          .put("like_rejected", rejectedBefore).put("nothing_to_learn", nothingToLearn)
          .put("claimed_elsewhere", claimedElsewhere).put("claude_analyses", byClaude)
          .put("claude_fallbacks", claudeFallbacks);
    }
  }

  /** A finding with the regex to suggest and who wrote it (extractive or claude). */
  private record Learned(Finding finding, List<String> keywords, String regex, String analysis) {
  }

  private record Known(Long suggestionId, String patternId, String status, String slug, List<String> keywords,
      List<String> codes) {
  }

  private record Candidate(String id, String language, String question, String answer, String articleSlug) {
  }

  Future<Result> run(int limit) {
    Future<List<Candidate>> candidates = pool.preparedQuery("SELECT c.id, c.language, c.subject || E'\\n' || coalesce("
            + "(SELECT content FROM support_messages m WHERE m.conversation_id = c.id AND m.sender_type = 'customer' "
            + "ORDER BY m.id LIMIT 1), ''), coalesce(c.resolution_summary, '') || E'\\n' || coalesce((SELECT "
            + "string_agg(content, E'\\n' ORDER BY id) FROM support_messages m WHERE m.conversation_id = c.id AND "
            + "m.sender_type = 'admin'), ''), c.resolved_article_slug FROM support_conversations c "
            + "WHERE c.status IN ('resolved', 'closed') AND c.satisfaction_rating >= $2 AND "
            + LearningClaims.unclaimed("c.id", "'resolution'", "$3")
            + " ORDER BY c.resolved_at NULLS LAST, c.id LIMIT $1").execute(Tuple.of(limit, MIN_RATING, claims.now()))
        .map(rs -> {
          List<Candidate> out = new ArrayList<>();
          rs.forEach(r -> out.add(new Candidate(r.getString(0), r.getString(1), r.getString(2), r.getString(3),
              r.getString(4))));
          return out;
        });
    Future<List<Known>> patterns = pool.query("SELECT id, keywords, error_codes, article_slug FROM support_patterns "
        + "WHERE active").execute().map(rs -> {
          List<Known> out = new ArrayList<>();
          rs.forEach(r -> out.add(new Known(null, r.getString(0), "active", r.getString(3), strings(r, 1),
              strings(r, 2))));
          return out;
        });
    Future<List<Known>> open = suggestions.openOrRejectedPatterns().map(list -> {
      List<Known> out = new ArrayList<>();
      list.forEach(s -> out.add(known(s)));
      return out;
    });
    Future<Map<String, ArticleText>> articles = pool.query("SELECT slug, title_nl, title_en, content_nl, content_en, "
        + "tags FROM knowledge_articles").execute().map(rs -> {
          Map<String, ArticleText> out = new HashMap<>();
          rs.forEach(r -> out.put(r.getString(0), new ArticleText(r.getString(0), r.getString(1), r.getString(2),
              r.getString(3), r.getString(4), strings(r, 5))));
          return out;
        });
    return Future.all(candidates, patterns, open, articles).compose(all -> {
      int[] counts = new int[8];
      int[] analysed = new int[1];
      Set<String> common = ResolutionAnalysis.common(articles.result().values(), COMMON_SHARE);
      Future<Void> chain = Future.succeededFuture();
      List<Known> known = new ArrayList<>(open.result());
      for (Candidate c : candidates.result()) {
        // Claimed first (durably), so another instance never analyses the same conversation; a failure leaves the
        // claim to expire, and a later run takes the conversation again.
        chain = chain.compose(v -> claims.claim(JOB, List.of(c.id()))).compose(got -> {
          if (got.isEmpty()) {
            counts[5]++;
            return Future.succeededFuture();
          }
          analysed[0]++;
          return learn(c, articles.result(), common, patterns.result(), known, counts)
              .compose(outcome -> claims.finish(JOB, List.of(c.id()), outcome));
        });
      }
      return chain.map(v -> new Result(analysed[0], counts[0], counts[1], counts[2], counts[3], counts[4], counts[5],
          counts[6], counts[7]));
    });
  }

  private Future<String> learn(Candidate c, Map<String, ArticleText> articles, Set<String> common,
      List<Known> patterns, List<Known> known, int[] counts) {
    return analyse(c, articles, common, counts).compose(l -> {
      Finding f = l.finding();
      if (l.keywords().isEmpty() && f.errorCodes().isEmpty()) {
        counts[4]++;
        return Future.succeededFuture("nothing_to_learn");
      }
      // Pending and rejected suggestions as they are now: another instance may have made one since this run began.
      return suggestions.openOrRejectedPatterns().compose(now -> {
        known.clear();
        now.forEach(x -> known.add(known(x)));
        return suggest(c, l, patterns, known, counts);
      });
    });
  }

  /**
   * Claude's analysis when it is available and its output passes validation, else the extractive one. The model may
   * lower the confidence but never raise it above the extractive evidence's, so text in a conversation cannot talk
   * a suggestion past the auto-approval bar.
   */
  private Future<Learned> analyse(Candidate c, Map<String, ArticleText> articles, Set<String> common,
      int[] counts) {
    ArticleText article = c.articleSlug() == null ? null : articles.get(c.articleSlug());
    Finding f = ResolutionAnalysis.analyse(c.question(), c.language(), c.answer(), article, common);
    List<String> own = ordered(f, c.language());
    Learned extractive = new Learned(f, own, ResolutionAnalysis.regex(own), "extractive");
    if (claude.unavailable() != null) {
      return Future.succeededFuture(extractive);
    }
    List<String> otherTitles = new ArrayList<>();
    articles.values().stream().filter(a -> !a.slug().equals(c.articleSlug()))
        .forEach(a -> otherTitles.add(a.titleNl() + "\n" + a.titleEn()));
    ClaudeLearning.Resolution r = new ClaudeLearning.Resolution(c.id(), c.language(), c.question(), c.answer(),
        c.articleSlug(), article == null ? null : article.titleNl(), article == null ? null : article.titleEn());
    return claude.analyse(r, new LearnedOutput.Rules(articles.keySet(), otherTitles)).map(p -> {
      counts[6]++;
      Finding byModel = new Finding(p.keywordsNl(), p.keywordsEn(), p.errorCodes(), p.articleSlug(),
          Math.round(Math.min(p.confidence(), f.confidence()) * 100) / 100.0);
      return new Learned(byModel, p.keywords(c.language()), p.regex(), "claude");
    }).recover(e -> {
      counts[7]++;
      LOG.info("conversation {}: Claude's analysis not used ({}); extractive analysis instead", c.id(),
          e.getMessage());
      return Future.succeededFuture(extractive);
    });
  }

  /** The keywords, the conversation's own language first (the regex needs its first two). */
  private static List<String> ordered(Finding f, String language) {
    Set<String> all = new LinkedHashSet<>("nl".equals(language) ? f.keywordsNl()
        : f.keywordsEn());
    all.addAll("nl".equals(language) ? f.keywordsEn() : f.keywordsNl());
    return new ArrayList<>(all);
  }

  private Future<String> suggest(Candidate c, Learned l, List<Known> patterns, List<Known> known, int[] counts) {
    Finding f = l.finding();
    List<String> keywords = l.keywords();
    Known bestPattern = best(f, keywords, patterns);
    if (bestPattern != null && similarity(f, keywords, bestPattern) >= PatternSimilarity.NEW_PATTERN_BELOW) {
      counts[1]++;
      // The conversation counts for that pattern: a trigger row (once), resolved by the statistics job.
      return statistics.recordTriggers(List.of(new PatternStatistics.Trigger(c.id(), bestPattern.patternId())))
          .map("matched_pattern:" + bestPattern.patternId());
    }
    Known similar = best(f, keywords, known);
    if (similar != null && similarity(f, keywords, similar) >= PatternSimilarity.NEW_PATTERN_BELOW) {
      if ("rejected".equals(similar.status())) {
        counts[3]++;
        return Future.succeededFuture("like_rejected:" + similar.suggestionId());
      }
      counts[2]++;
      return suggestions.addSource(similar.suggestionId(), c.id()).map("merged:" + similar.suggestionId());
    }
    String name = "Learned: " + String.join(", ", keywords.subList(0, Math.min(3, keywords.size())))
        + (f.articleSlug() == null ? "" : " -> " + f.articleSlug());
    JsonObject payload = new JsonObject().put("name", name.length() > 200 ? name.substring(0, 200) : name)
        .put("keywords", new JsonArray(keywords)).put("keywords_nl", new JsonArray(f.keywordsNl()))
        .put("keywords_en", new JsonArray(f.keywordsEn())).put("error_codes", new JsonArray(f.errorCodes()))
        .put("regex", l.regex()).put("article_slug", f.articleSlug())
        .put("min_confidence", NEW_PATTERN_MIN_CONFIDENCE);
    counts[0]++;
    return suggestions.create("pattern", payload, f.confidence(), List.of(c.id()), l.analysis()).compose(id -> {
      known.add(new Known(id, null, "pending_review", f.articleSlug(), keywords, f.errorCodes()));
      return autoApproval.maybeApprove(id, f.confidence()).compose(auto -> auto ? Future.succeededFuture()
              : notifier.notify("new_pattern_suggestion", "New pattern suggestion: " + payload.getString("name"),
                  new JsonObject().put("suggestion_id", id).put("conversation_id", c.id())
                      .put("confidence", f.confidence()).put("analysis", l.analysis())))
          .recover(e -> {
            LOG.warn("suggestion {}: auto-approval or notification failed: {}", id, e.getMessage());
            return Future.succeededFuture();
          })
          .map("suggested:" + id);
    });
  }

  private static Known known(SuggestionStore.Suggestion s) {
    JsonObject p = s.payload();
    return new Known(s.id(), null, s.status(), p.getString("article_slug"), list(p.getJsonArray("keywords")),
        list(p.getJsonArray("error_codes")));
  }

  private static Known best(Finding f, List<String> keywords, List<Known> list) {
    Known best = null;
    double bestSim = -1;
    for (Known k : list) {
      double s = similarity(f, keywords, k);
      if (s > bestSim) {
        bestSim = s;
        best = k;
      }
    }
    return best;
  }

  private static double similarity(Finding f, List<String> keywords, Known k) {
    return PatternSimilarity.of(f.articleSlug(), keywords, f.errorCodes(), k.slug(), k.keywords(), k.codes());
  }

  static List<String> strings(Row r, int column) {
    String[] a = r.getArrayOfStrings(column);
    return a == null ? List.of() : List.of(a);
  }

  static List<String> list(JsonArray a) {
    List<String> out = new ArrayList<>();
    if (a != null) {
      a.forEach(x -> out.add(String.valueOf(x)));
    }
    return out;
  }
}
