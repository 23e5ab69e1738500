package io.supportpilot.triage;

import io.supportpilot.knowledge.KnowledgeIndex;
import io.supportpilot.knowledge.LocalEmbedder;
import io.supportpilot.knowledge.SearchTuning;
import io.supportpilot.knowledge.Synonyms;
import io.supportpilot.knowledge.TextAnalysis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Trains the router ({@link RouterModel}) from labelled questions with their triage responses (the
 * {@code --dump} output of the evaluation command, which records what retrieval found for each): embeds each
 * question as the engine does, fits an L2-regularised multinomial logistic regression, picks the regularisation and
 * the two answerability anchors by 5-fold cross-validation (the anchors so that cross-validated wrong auto-responses
 * stay at or under 1.5% of the questions while route accuracy is highest), picks an escalation shift (log-odds added
 * to both escalation classes) the same way, maximising route accuracy plus half the mean escalation recall, and
 * writes the model JSON with the shift folded into the escalation biases.
 *
 * <p>Usage: {@code RouterTrainer <out.json> <synonyms.txt> <dump.jsonl>...}. Deterministic: fixed folds and seed.
 */
public final class RouterTrainer {

  static final int HASH_DIMS = System.getenv("TRAIN_HASH_DIMS") == null ? 2048
      : Integer.parseInt(System.getenv("TRAIN_HASH_DIMS"));
  static final double[] LAMBDAS = System.getenv("TRAIN_LAMBDAS") == null ? new double[] {0.01, 0.03, 0.1}
      : Arrays.stream(System.getenv("TRAIN_LAMBDAS").split(",")).mapToDouble(Double::parseDouble).toArray();
  static final double[] TOP_LAMBDAS = {0.001, 0.003, 0.01, 0.03};
  /**
   * The sentence embedding's L2 strength as a multiple of the rest's: its 384 dimensions memorise easily (with the
   * same strength it sent 48 of 196 answerable real questions to a person or DevOps out of fold). Chosen by
   * cross-validation like the rest; see docs/knowledge-and-triage.md for why the grid stops at 3.
   */
  static final double[] EMBEDDING_FACTORS = System.getenv("TRAIN_EMBEDDING_FACTORS") == null ? new double[] {1, 3}
      : Arrays.stream(System.getenv("TRAIN_EMBEDDING_FACTORS").split(",")).mapToDouble(Double::parseDouble).toArray();
  static final int FOLDS = 5;
  static final int ITERATIONS = 400;
  /**
   * Cap on cross-validated wrong auto-responses, as a share of the real questions (history and dev), in each language:
   * the written examples are easier than real questions, and the target is per language.
   */
  static final double MAX_WRONG_AUTO = System.getenv("TRAIN_MAX_WRONG_AUTO") == null ? 0.015
      : Double.parseDouble(System.getenv("TRAIN_MAX_WRONG_AUTO"));
  /** Escalation recall each team must reach, cross-validated, for a grid point to be preferred. */
  static final double MIN_RECALL = 0.85;
  /** Log-odds added to both escalation classes, so an escalation is not drowned by the more frequent suggest. */
  static final double[] ESCALATION_SHIFTS = {0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75};

  /** One labelled question as features. */
  record Example(String id, String lang, RouterFeatures.Vector v, List<EscalationRules.Match> rules, RouteEvidence e,
      int label, String goldArticle) {
  }

  /** The position of the malfunction signal among the dense features (it also gates auto-respond). */
  private static final int MALFUNCTION = RouterFeatures.DENSE_NAMES.indexOf("signal_malfunction");

  private RouterTrainer() {
  }

  /** Trains and writes the model (see the class comment). */
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: RouterTrainer <out.json> <synonyms.txt> <dump.jsonl>...");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    Synonyms synonyms = Files.exists(Path.of(args[1])) ? Synonyms.load(Path.of(args[1])) : Synonyms.none();
    KnowledgeIndex index = new KnowledgeIndex(SearchTuning.defaults("hybrid"), synonyms);
    Vertx vertx = Vertx.vertx();
    List<Example> all = new ArrayList<>();
    List<String> sources = new ArrayList<>();
    try {
      LocalEmbedder embedder = new LocalEmbedder(vertx);
      for (int a = 2; a < args.length; a++) {
        sources.add(Path.of(args[a]).getFileName().toString());
        for (String line : Files.readAllLines(Path.of(args[a]))) {
          if (line.isBlank()) {
            continue;
          }
          all.add(example(new JsonObject(line), embedder, index, HASH_DIMS));
        }
      }
    } finally {
      vertx.close();
      index.close();
    }
    int n = all.size();
    int dims = all.get(0).v().dense().length + all.get(0).v().embedding().length;
    System.out.printf(Locale.ROOT, "%d labelled questions from %s, %d dense features + %d hash buckets%n", n, sources,
        dims, HASH_DIMS);
    int[] counts = new int[4];
    all.forEach(x -> counts[x.label()]++);
    System.out.println("per class " + Arrays.toString(counts) + " " + RouterModel.CLASSES);
    ruleReport(all);

    int[] fold = folds(all);
    double bestScore = -1;
    double bestLambda = LAMBDAS[0];
    double[] bestAnchors = null;
    double bestTopLambda = TOP_LAMBDAS[0];
    double[][] bestOof = null;
    double[] bestOofTop = null;
    double bestShift = 0;
    boolean bestMeetsRecall = false;
    double bestFactor = EMBEDDING_FACTORS[0];
    for (double factor : EMBEDDING_FACTORS) {
      for (double lambda : LAMBDAS) {
        double[][] oof = new double[n][];
        for (int f = 0; f < FOLDS; f++) {
          List<Example> train = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            if (fold[i] != f) {
              train.add(all.get(i));
            }
          }
          Fit fit = fit(train, lambda, factor);
          for (int i = 0; i < n; i++) {
            if (fold[i] == f) {
              oof[i] = fit.probabilities(all.get(i).v());
            }
          }
        }
        double[][] bySource = System.getenv("TRAIN_SOURCE_OUT") == null ? null : leaveSourceOut(all, lambda, factor);
        for (double topLambda : TOP_LAMBDAS) {
          double[] oofTop = new double[n];
          for (int f = 0; f < FOLDS; f++) {
            List<Example> train = new ArrayList<>();
            for (int i = 0; i < n; i++) {
              if (fold[i] != f) {
                train.add(all.get(i));
              }
            }
            Fit top = fitTop(train, topLambda);
            for (int i = 0; i < n; i++) {
              if (fold[i] == f) {
                oofTop[i] = top.topCorrect(all.get(i));
              }
            }
          }
          for (double shift : ESCALATION_SHIFTS) {
            double[][] shifted = shifted(oof, shift);
            double[] anchors = anchors(all, shifted, oofTop);
            Report r = report(all, shifted, oofTop, anchors[0], anchors[1]);
            System.out.printf(Locale.ROOT, "lambda %.3f (embedding x%.0f), top-article lambda %.3f,"
                + " escalation shift %.2f: cross-validated %s (anchors %.2f / %.2f)%s%n", lambda, factor, topLambda,
                shift, r, anchors[0], anchors[1], bySource == null ? "" : ", " + sourceRecall(all, bySource, shift));
            // A grid point that meets the recall floor beats every one that does not; then the higher score wins.
            boolean better = bestAnchors == null
                || (r.meetsRecall() != bestMeetsRecall ? r.meetsRecall() : r.score() > bestScore + 1e-9);
            if (better) {
              bestScore = r.score();
              bestMeetsRecall = r.meetsRecall();
              bestLambda = lambda;
              bestFactor = factor;
              bestTopLambda = topLambda;
              bestShift = shift;
              bestAnchors = anchors;
              bestOof = shifted;
              bestOofTop = oofTop;
            }
          }
        }
      }
    }
    diagnose(all, bestOof, bestOofTop);
    if (System.getenv("TRAIN_OOF_DUMP") != null) {
      dumpOutOfFold(Path.of(System.getenv("TRAIN_OOF_DUMP")), all, bestOof, bestOofTop);
    }
    if (System.getenv("TRAIN_VERBOSE") != null) {
      for (double atAuto = 0.3; atAuto < 0.96; atAuto += 0.05) {
        System.out.printf(Locale.ROOT, "    atAuto %.2f: %s%n", atAuto, report(all, bestOof, bestOofTop,
            bestAnchors[0], atAuto));
      }
    }
    Fit fit = fit(all, bestLambda, bestFactor);
    fit.b[2] += bestShift;
    fit.b[3] += bestShift;
    Report chosen = report(all, bestOof, bestOofTop, bestAnchors[0], bestAnchors[1]);
    System.out.println("chosen, cross-validated: " + chosen);
    Fit top = fitTop(all, bestTopLambda);
    JsonObject training = new JsonObject().put("data", String.join(" + ", sources)).put("questions", n)
        .put("lambda", bestLambda).put("embedding_lambda_factor", bestFactor).put("top_article_lambda", bestTopLambda)
        .put("escalation_shift", bestShift).put("hash_dims", HASH_DIMS).put("folds", FOLDS)
        .put("cross_validated_route_accuracy", Math.round(chosen.routeAccuracy() * 1000) / 1000.0)
        .put("cross_validated_escalation_recall", new JsonObject()
            .put("human", Math.round(chosen.humanRecall() * 1000) / 1000.0)
            .put("devops", Math.round(chosen.devopsRecall() * 1000) / 1000.0))
        .put("command", "scripts/train-router.sh");
    JsonObject json = RouterModel.toJson(LocalEmbedder.MODEL, all.get(0).v().embedding().length, HASH_DIMS, fit.mean,
        fit.scale, fit.w, fit.b, top.mean, top.scale, top.w, top.b, bestAnchors[0], bestAnchors[1], training);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json.encode() + "\n");
    System.out.printf(Locale.ROOT, "chose lambda %.3f (embedding x%.0f), top-article lambda %.3f,"
        + " escalation shift %.2f, anchors %.2f / %.2f;"
        + " wrote %s%n", bestLambda, bestFactor, bestTopLambda, bestShift, bestAnchors[0], bestAnchors[1], out);
    System.exit(0);
  }

  /** Writes each question's out-of-fold probabilities and evidence, one JSON object a line, for policy analysis. */
  static void dumpOutOfFold(Path file, List<Example> all, double[][] oof, double[] top) throws java.io.IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < all.size(); i++) {
      Example x = all.get(i);
      JsonObject row = new JsonObject().put("id", x.id()).put("lang", x.lang()).put("label", x.label())
          .put("gold_article", x.goldArticle()).put("top_slug", x.e().topSlug())
          .put("p", new io.vertx.core.json.JsonArray(Arrays.stream(oof[i]).boxed().toList())).put("top", top[i])
          .put("rules", new io.vertx.core.json.JsonArray(x.rules().stream().map(EscalationRules.Match::rule).toList()))
          .put("pattern", x.e().patternComponent()).put("error", x.e().errorComponent())
          .put("pattern_min", x.e().patternMinConfidence()).put("similarity", x.e().similarity())
          .put("margin", x.e().margin());
      sb.append(row.encode()).append('\n');
    }
    Files.writeString(file, sb.toString());
  }

  /**
   * One dump row (a labelled question and its triage response) as the router's features, built as the engine builds
   * them: the question embedded, the policy rules matched, the retrieval evidence read from the response.
   */
  static Example example(JsonObject row, LocalEmbedder embedder, KnowledgeIndex index, int hashDims) {
    JsonObject q = row.getJsonObject("question");
    JsonObject t = row.getJsonObject("triage");
    String subject = q.getString("subject", "").trim();
    String body = q.getString("body", "").trim();
    String joined = TriageEngine.joined(subject, body);
    String embedLang = TextAnalysis.detectLanguage(joined, "nl");
    float[] vec = embedder.embedQueryBlocking(index.embeddingText(joined, embedLang));
    String lang = t.getString("language");
    String text = subject + "\n" + body;
    List<EscalationRules.Match> rules = EscalationRules.match(text, lang);
    RouteEvidence e = RouteEvidence.of(t, q.getString("error_code"));
    RouterFeatures.Vector v = RouterFeatures.of(text, lang, e, rules, vec, hashDims);
    return new Example(q.getString("id"), q.getString("lang"), v, rules, e, label(q), q.getString("gold_article"));
  }

  /**
   * Probabilities for the written examples from fits that leave out the whole source file each came from (its id
   * prefix, such as {@code written-p1}); null for the real questions. The written examples of one file are variations
   * of each other, so the 5-fold figures see near twins of every one; this sees none (diagnostic, TRAIN_SOURCE_OUT).
   */
  static double[][] leaveSourceOut(List<Example> all, double lambda, double factor) {
    double[][] out = new double[all.size()][];
    Map<String, List<Integer>> sources = new HashMap<>();
    for (int i = 0; i < all.size(); i++) {
      String id = all.get(i).id();
      if (id.startsWith("written-")) {
        sources.computeIfAbsent(id.substring(0, id.lastIndexOf('-')), s -> new ArrayList<>()).add(i);
      }
    }
    for (List<Integer> held : sources.values()) {
      Set<Integer> out1 = new HashSet<>(held);
      List<Example> train = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        if (!out1.contains(i)) {
          train.add(all.get(i));
        }
      }
      Fit fit = fit(train, lambda, factor);
      for (int i : held) {
        out[i] = fit.probabilities(all.get(i).v());
      }
    }
    return out;
  }

  /** Written escalations escalated (a rule, or an escalation most likely after the shift), their source left out. */
  static String sourceRecall(List<Example> all, double[][] bySource, double shift) {
    int caught = 0;
    int total = 0;
    for (int i = 0; i < all.size(); i++) {
      Example x = all.get(i);
      if (bySource[i] == null || x.label() < 2) {
        continue;
      }
      total++;
      double[] p = shifted(new double[][] {bySource[i]}, shift)[0];
      int best = 0;
      for (int k = 1; k < p.length; k++) {
        if (p[k] > p[best]) {
          best = k;
        }
      }
      if (!x.rules().isEmpty() || best >= 2) {
        caught++;
      }
    }
    return String.format(Locale.ROOT, "written escalations caught with their source left out %d/%d", caught, total);
  }

  static int label(JsonObject q) {
    String route = q.getString("gold_route");
    if ("auto_respond".equals(route)) {
      return 0;
    }
    if ("suggest_articles".equals(route)) {
      return 1;
    }
    return "devops".equals(q.getString("gold_escalation")) ? 3 : 2;
  }

  /** Stratified folds by a fixed shuffle, so every fold holds every class. */
  static int[] folds(List<Example> all) {
    int[] fold = new int[all.size()];
    Random rnd = new Random(20);
    for (int c = 0; c < 4; c++) {
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).label() == c) {
          idx.add(i);
        }
      }
      java.util.Collections.shuffle(idx, rnd);
      for (int j = 0; j < idx.size(); j++) {
        fold[idx.get(j)] = j % FOLDS;
      }
    }
    return fold;
  }

  private static void ruleReport(List<Example> all) {
    int fired = 0;
    int agree = 0;
    for (Example x : all) {
      if (!x.rules().isEmpty()) {
        fired++;
        String esc = x.rules().stream().anyMatch(m -> "human".equals(m.escalation())) ? "human" : "devops";
        boolean ok = (x.label() == 2 && esc.equals("human")) || (x.label() == 3 && esc.equals("devops"));
        if (ok) {
          agree++;
        } else {
          System.out.println("  rule disagrees with the label: " + x.id() + " label="
              + RouterModel.CLASSES.get(x.label()) + " rules=" + x.rules());
        }
      }
    }
    System.out.printf(Locale.ROOT, "hard rules fired on %d questions, %d of them with the labelled team%n", fired,
        agree);
  }

  /** Out-of-fold class confusion and how well the top-article model separates right from wrong articles. */
  static void diagnose(List<Example> all, double[][] oof, double[] top) {
    int[][] conf = new int[4][4];
    for (int i = 0; i < all.size(); i++) {
      int best = 0;
      for (int c = 1; c < 4; c++) {
        if (oof[i][c] > oof[i][best]) {
          best = c;
        }
      }
      conf[all.get(i).label()][best]++;
      if (System.getenv("TRAIN_VERBOSE") != null && best != all.get(i).label()) {
        System.out.printf(Locale.ROOT, "    %s gold=%s p=%s top=%.2f%n", all.get(i).id(),
            RouterModel.CLASSES.get(all.get(i).label()), Arrays.toString(Arrays.stream(oof[i])
                .map(v -> Math.round(v * 100) / 100.0).toArray()), top[i]);
      }
    }
    System.out.println("  out-of-fold argmax confusion (rows gold " + RouterModel.CLASSES + "): "
        + Arrays.deepToString(conf));
    int[] right = new int[5];
    int[] wrong = new int[5];
    for (int i = 0; i < all.size(); i++) {
      Example x = all.get(i);
      if (x.goldArticle() == null) {
        continue;
      }
      int bin = Math.min(4, (int) (top[i] * 5));
      if (x.goldArticle().equals(x.e().topSlug())) {
        right[bin]++;
      } else {
        wrong[bin]++;
      }
    }
    System.out.println("  top-article model, by fifths of P(right): right " + Arrays.toString(right) + ", wrong "
        + Arrays.toString(wrong));
  }

  /** The anchors (answerability at the suggest and at the auto bar) with the best cross-validated routes. */
  static double[] anchors(List<Example> all, double[][] oof, double[] top) {
    double[] best = {0.3, 0.6};
    double bestAcc = -1;
    for (double atAuto = 0.30; atAuto <= 0.951; atAuto += 0.025) {
      for (double atSuggest = 0.10; atSuggest < atAuto - 0.02; atSuggest += 0.05) {
        Report r = report(all, oof, top, atSuggest, atAuto);
        if (r.wrongAutoShare() <= MAX_WRONG_AUTO && r.routeAccuracy() > bestAcc + 1e-9) {
          bestAcc = r.routeAccuracy();
          best = new double[] {atSuggest, atAuto};
        }
      }
    }
    return best;
  }

  /**
   * Out-of-fold probabilities with {@code shift} added to the log-odds of both escalation classes (what adding it to
   * their biases does to the final model).
   */
  static double[][] shifted(double[][] p, double shift) {
    double[][] out = new double[p.length][];
    double f = Math.exp(shift);
    for (int i = 0; i < p.length; i++) {
      double[] q = p[i].clone();
      q[2] *= f;
      q[3] *= f;
      double sum = q[0] + q[1] + q[2] + q[3];
      for (int c = 0; c < 4; c++) {
        q[c] /= sum;
      }
      out[i] = q;
    }
    return out;
  }

  /** Route accuracy, wrong auto-responses and escalation recall of routed questions. */
  record Report(double routeAccuracy, double wrongAutoShare, double autoShare, double humanRecall,
      double devopsRecall) {
    /** What the trainer maximises: route accuracy plus half the mean escalation recall (safety counts double). */
    double score() {
      return routeAccuracy + (humanRecall + devopsRecall) / 4;
    }

    /** The floor: each team gets at least {@link #MIN_RECALL} of its escalations; a grid point below it loses. */
    boolean meetsRecall() {
      return humanRecall >= MIN_RECALL - 1e-9 && devopsRecall >= MIN_RECALL - 1e-9;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "route accuracy %.1f%%, wrong auto (worse language) %.1f%%, auto share %.1f%%, "
          + "escalation recall human %.0f%% devops %.0f%%", 100 * routeAccuracy, 100 * wrongAutoShare, 100 * autoShare,
          100 * humanRecall, 100 * devopsRecall);
    }
  }

  /**
   * Route accuracy and wrong auto-responses (the worse language) over the real questions only, because the written
   * examples are easier than what customers write; escalation recall over all, the written escalations included,
   * because they are the many phrasings of a demand, an override or a bug report the real data has few of.
   */
  static Report report(List<Example> all, double[][] p, double[] top, double atSuggest, double atAuto) {
    int ok = 0;
    int n = 0;
    int auto = 0;
    Map<String, int[]> perLang = new HashMap<>();
    int[] esc = new int[4];
    int[] escOk = new int[4];
    for (int i = 0; i < all.size(); i++) {
      Example x = all.get(i);
      RoutePolicy.Route r = RoutePolicy.route(p[i], top[i], x.rules(), x.v().dense()[MALFUNCTION] > 0, x.e(), null, RoutePolicy.AUTO_ANCHOR,
          RoutePolicy.SUGGEST_ANCHOR, atSuggest, atAuto);
      String gold = RouterModel.CLASSES.get(x.label());
      String got = r.action().equals("escalate") ? "escalate_" + r.escalation() : r.action();
      if (x.label() >= 2) {
        esc[x.label()]++;
        if (gold.equals(got)) {
          escOk[x.label()]++;
        }
      }
      if (x.id().startsWith("written-")) {
        continue;
      }
      n++;
      int[] lang = perLang.computeIfAbsent(x.lang(), k -> new int[2]);
      lang[0]++;
      boolean routeOk = gold.startsWith("escalate") ? r.action().equals("escalate") : gold.equals(got);
      if (routeOk) {
        ok++;
      }
      if (r.action().equals("auto_respond")) {
        auto++;
        if (x.label() != 0 || x.goldArticle() == null || !x.goldArticle().equals(x.e().topSlug())) {
          lang[1]++;
        }
      }
    }
    double wrongShare = perLang.values().stream().mapToDouble(l -> l[1] / (double) l[0]).max().orElse(0);
    return new Report(ok / (double) n, wrongShare, auto / (double) n, esc[2] == 0 ? 1 : escOk[2] / (double) esc[2],
        esc[3] == 0 ? 1 : escOk[3] / (double) esc[3]);
  }

  /** A fitted model: standardisation and weights. */
  static final class Fit {
    final double[] mean;
    final double[] scale;
    final double[][] w;
    final double[] b;

    Fit(double[] mean, double[] scale, double[][] w, double[] b) {
      this.mean = mean;
      this.scale = scale;
      this.w = w;
      this.b = b;
    }

    double[] probabilities(RouterFeatures.Vector v) {
      double[] x = RouterModel.standardise(v, true, mean, scale, v.embedding().length);
      return RouterModel.softmax(RouterModel.scores(x, v.buckets(), v.values(), w, b));
    }

    double topCorrect(Example x) {
      return RouterModel.topCorrect(RouterModel.topInputs(x.v()), mean, scale, w, b);
    }
  }

  /**
   * Full-batch Adam on the class-balanced cross-entropy plus {@code lambda} times the squared weights, the
   * embedding's times {@code factor}.
   */
  static Fit fit(List<Example> train, double lambda, double factor) {
    int[] labels = train.stream().mapToInt(Example::label).toArray();
    return fit(train, lambda, factor, labels, RouterModel.CLASSES.size(), true);
  }

  /** The top-article model: is the best article the gold one, from the retrieval and size features only. */
  static Fit fitTop(List<Example> train, double lambda) {
    List<Example> withGold = train.stream().filter(x -> x.goldArticle() != null).map(RouterTrainer::topExample)
        .toList();
    int[] labels = withGold.stream().mapToInt(x -> x.goldArticle().equals(x.e().topSlug()) ? 1 : 0).toArray();
    return fit(withGold, lambda, 1, labels, 2, false);
  }

  static Example topExample(Example x) {
    return new Example(x.id(), x.lang(), new RouterFeatures.Vector(RouterModel.topInputs(x.v()), new float[0],
        new int[0], new double[0]), x.rules(), x.e(), x.label(), x.goldArticle());
  }

  static Fit fit(List<Example> train, double lambda, double factor, int[] labels, int k, boolean full) {
    int n = train.size();
    int nd = train.get(0).v().dense().length;
    int ne = full ? train.get(0).v().embedding().length : 0;
    int hashDims = full ? HASH_DIMS : 0;
    int d = nd + ne;
    double[] mean = new double[d];
    double[] scale = new double[d];
    double[][] xs = new double[n][];
    for (int i = 0; i < n; i++) {
      RouterFeatures.Vector v = train.get(i).v();
      double[] x = new double[d];
      System.arraycopy(v.dense(), 0, x, 0, nd);
      for (int j = 0; j < ne; j++) {
        x[nd + j] = v.embedding()[j];
      }
      xs[i] = x;
      for (int j = 0; j < d; j++) {
        mean[j] += x[j] / n;
      }
    }
    for (double[] x : xs) {
      for (int j = 0; j < d; j++) {
        scale[j] += (x[j] - mean[j]) * (x[j] - mean[j]) / n;
      }
    }
    for (int j = 0; j < d; j++) {
      scale[j] = Math.sqrt(scale[j]) < 1e-6 ? 1 : Math.sqrt(scale[j]);
    }
    for (double[] x : xs) {
      for (int j = 0; j < d; j++) {
        x[j] = (x[j] - mean[j]) / scale[j];
      }
    }
    int[] count = new int[k];
    for (int label : labels) {
      count[label]++;
    }
    double[] cw = new double[k];
    for (int c = 0; c < k; c++) {
      cw[c] = count[c] == 0 ? 0 : Math.sqrt(n / (double) (k * count[c]));
    }
    int p = d + hashDims;
    double[][] w = new double[k][p];
    double[] b = new double[k];
    double[][] mw = new double[k][p];
    double[][] vw = new double[k][p];
    double[] mb = new double[k];
    double[] vb = new double[k];
    double lr = 0.02;
    double b1 = 0.9;
    double b2 = 0.999;
    for (int it = 1; it <= ITERATIONS; it++) {
      double[][] gw = new double[k][p];
      double[] gb = new double[k];
      double norm = 0;
      for (int i = 0; i < n; i++) {
        norm += cw[labels[i]];
      }
      int[] noBuckets = new int[0];
      double[] noValues = new double[0];
      for (int i = 0; i < n; i++) {
        Example ex = train.get(i);
        int[] buckets = full ? ex.v().buckets() : noBuckets;
        double[] values = full ? ex.v().values() : noValues;
        double[] prob = RouterModel.softmax(RouterModel.scores(xs[i], buckets, values, w, b));
        double weight = cw[labels[i]] / norm;
        for (int c = 0; c < k; c++) {
          double g = weight * (prob[c] - (c == labels[i] ? 1 : 0));
          gb[c] += g;
          double[] row = gw[c];
          for (int j = 0; j < d; j++) {
            row[j] += g * xs[i][j];
          }
          for (int j = 0; j < buckets.length; j++) {
            row[d + buckets[j]] += g * values[j];
          }
        }
      }
      for (int c = 0; c < k; c++) {
        for (int j = 0; j < p; j++) {
          double l2 = j >= nd && j < d ? lambda * factor : lambda;
          double g = gw[c][j] + 2 * l2 * w[c][j];
          mw[c][j] = b1 * mw[c][j] + (1 - b1) * g;
          vw[c][j] = b2 * vw[c][j] + (1 - b2) * g * g;
          w[c][j] -= lr * (mw[c][j] / (1 - Math.pow(b1, it))) / (Math.sqrt(vw[c][j] / (1 - Math.pow(b2, it))) + 1e-8);
        }
        mb[c] = b1 * mb[c] + (1 - b1) * gb[c];
        vb[c] = b2 * vb[c] + (1 - b2) * gb[c] * gb[c];
        b[c] -= lr * (mb[c] / (1 - Math.pow(b1, it))) / (Math.sqrt(vb[c] / (1 - Math.pow(b2, it))) + 1e-8);
      }
    }
    return new Fit(mean, scale, w, b);
  }
}
