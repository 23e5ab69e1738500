package io.supportpilot.triage;

import io.supportpilot.knowledge.KnowledgeIndex;
import io.supportpilot.knowledge.LocalEmbedder;
import io.supportpilot.knowledge.SearchTuning;
import io.supportpilot.knowledge.Synonyms;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Explains the shipped router's decisions on a triage dump (the {@code --dump} output of the evaluation command): for
 * each chosen question, how the biases, the sentence embedding, the hashed words and the largest dense features move
 * the log-odds of one class over auto-respond; then, over all rows, the embedding's mean share by language and gold
 * route. A part that separates the classes on the training dumps and not on held-out ones is memorised, not learned
 * (docs/knowledge-and-triage.md, "a stronger penalty on the sentence embedding").
 *
 * <p>Usage: {@code RouterExplain <dump.jsonl> [ids,comma-separated|ALL] [class: 1 suggest, 2 human, 3 devops]}.
 */
public final class RouterExplain {

  private RouterExplain() {
  }

  /** Prints the explanation (see the class comment). */
  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: RouterExplain <dump.jsonl> [ids|ALL] [class 1-3, default 3 (devops)]");
      System.exit(2);
    }
    Set<String> ids = new HashSet<>(Arrays.asList((args.length > 1 ? args[1] : "ALL").split(",")));
    int k = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    RouterModel model = RouterModel.shipped();
    Path synonyms = Path.of("conf/knowledge-synonyms.txt");
    KnowledgeIndex index = new KnowledgeIndex(SearchTuning.defaults("hybrid"),
        Files.exists(synonyms) ? Synonyms.load(synonyms) : Synonyms.none());
    Vertx vertx = Vertx.vertx();
    Map<String, double[]> byGroup = new TreeMap<>();
    try {
      LocalEmbedder embedder = new LocalEmbedder(vertx);
      for (String line : Files.readAllLines(Path.of(args[0]))) {
        if (line.isBlank()) {
          continue;
        }
        JsonObject row = new JsonObject(line);
        RouterTrainer.Example x = RouterTrainer.example(row, embedder, index, model.hashDims());
        double[] parts = model.logOddsParts(x.v(), k, 0);
        String group = x.lang() + " " + RouterModel.CLASSES.get(x.label());
        double[] g = byGroup.computeIfAbsent(group, s -> new double[2]);
        g[0] += parts[1];
        g[1]++;
        if (!ids.contains("ALL") && !ids.contains(x.id())) {
          continue;
        }
        List<Integer> dense = new ArrayList<>();
        for (int i = 3; i < parts.length; i++) {
          dense.add(i);
        }
        dense.sort((a, b) -> Double.compare(Math.abs(parts[b]), Math.abs(parts[a])));
        StringBuilder top = new StringBuilder();
        for (int i : dense.subList(0, Math.min(5, dense.size()))) {
          top.append(String.format(Locale.ROOT, " %s %+.2f", RouterFeatures.DENSE_NAMES.get(i - 3), parts[i]));
        }
        double densSum = 0;
        for (int i = 3; i < parts.length; i++) {
          densSum += parts[i];
        }
        System.out.printf(Locale.ROOT, "%s %-16s %s over auto_respond: biases %+.2f, embedding %+.2f, words %+.2f,"
            + " dense %+.2f (largest:%s)%n", x.id(), group, RouterModel.CLASSES.get(k), parts[0], parts[1], parts[2],
            densSum, top);
      }
    } finally {
      vertx.close();
      index.close();
    }
    System.out.println("mean embedding part by language and gold route:");
    byGroup.forEach((group, g) -> System.out.printf(Locale.ROOT, "  %-22s %3.0f questions  %+.2f%n", group, g[1],
        g[0] / g[1]));
  }
}
