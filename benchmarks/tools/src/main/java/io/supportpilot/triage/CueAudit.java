package io.supportpilot.triage;

import io.vertx.core.json.JsonObject;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Audits the cues of {@link EscalationRules} against the labelled questions: every choice of every alternation in a
 * hard rule, the malfunction cues and the soft signals is tried on its own (the pattern with that one group narrowed
 * to that one choice), and counted on the desk's history, the routing examples written for this project and the two
 * halves of the dev set. A cue that fires on dev questions only, on nothing the router is trained on and on no written
 * example, may have been written from those questions: this lists them for review, most suspicious first.
 *
 * <p>Usage: {@code CueAudit <history.jsonl> <dev.jsonl> <written.tsv>... [--all]} ({@code --all} lists every cue with
 * its counts, not only the suspicious ones). Half a of dev is its odd lines, half b its even ones, as in the evaluation.
 */
public final class CueAudit {

  private record Corpus(String name, List<String> texts) {
  }

  private record Cue(String where, String regex) {
  }

  private CueAudit() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: CueAudit <history.jsonl> <dev.jsonl> <written.tsv>... [--all]");
      System.exit(2);
    }
    boolean all = List.of(args).contains("--all");
    List<String> history = jsonl(Path.of(args[0]), -1);
    List<String> devA = jsonl(Path.of(args[1]), 1);
    List<String> devB = jsonl(Path.of(args[1]), 0);
    List<String> written = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        for (String line : Files.readAllLines(Path.of(args[i]))) {
          String[] f = line.split("\t", 3);
          if (f.length == 3 && !line.startsWith("#")) {
            written.add(EscalationRules.normalise(f[2]));
          }
        }
      }
    }
    List<Corpus> corpora = List.of(new Corpus("history", history), new Corpus("written", written),
        new Corpus("dev-a", devA), new Corpus("dev-b", devB));
    List<Cue> cues = new ArrayList<>();
    for (String field : List.of("RULES", "MALFUNCTION_NARROW", "SIGNALS")) {
      Field f = EscalationRules.class.getDeclaredField(field);
      f.setAccessible(true);
      Object v = f.get(null);
      if (v instanceof String s) {
        cues(field, s, cues);
      } else if (v instanceof Pattern[] ps) {
        for (int i = 0; i < ps.length; i++) {
          if (ps[i] != null) {
            cues(field + "[" + EscalationRules.Signal.values()[i] + "]", ps[i].pattern(), cues);
          }
        }
      } else if (v instanceof List<?> rules) {
        for (Object r : rules) {
          String name = (String) r.getClass().getMethod("name").invoke(r);
          for (String lang : List.of("nl", "en")) {
            Pattern p = (Pattern) r.getClass().getMethod(lang).invoke(r);
            cues("RULE " + name + "/" + lang, p.pattern(), cues);
          }
        }
      }
    }
    System.out.printf("%d cues; corpora: history %d, written %d, dev-a %d, dev-b %d questions%n", cues.size(),
        history.size(), written.size(), devA.size(), devB.size());
    System.out.println("hist\twritten\tdev-a\tdev-b\twhere\tcue");
    int suspicious = 0;
    for (Cue c : cues) {
      Pattern p;
      try {
        p = Pattern.compile(c.regex(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.MULTILINE);
      } catch (RuntimeException e) {
        continue;
      }
      int[] n = new int[corpora.size()];
      for (int i = 0; i < corpora.size(); i++) {
        for (String t : corpora.get(i).texts()) {
          if (p.matcher(t).find()) {
            n[i]++;
          }
        }
      }
      boolean devOnly = n[0] == 0 && n[1] == 0 && n[2] + n[3] > 0;
      if (devOnly) {
        suspicious++;
      }
      if (all || devOnly) {
        System.out.printf("%d\t%d\t%d\t%d\t%s\t%s%n", n[0], n[1], n[2], n[3], c.where(), c.regex());
      }
    }
    System.out.println(suspicious + " cues fire on dev questions only");
  }

  /** The question texts of a JSONL file as triage reads them; parity 1 keeps odd lines, 0 even ones, -1 all. */
  private static List<String> jsonl(Path file, int parity) throws Exception {
    List<String> out = new ArrayList<>();
    int line = 0;
    for (String s : Files.readAllLines(file)) {
      if (s.isBlank()) {
        continue;
      }
      line++;
      if (parity >= 0 && line % 2 != parity) {
        continue;
      }
      JsonObject q = new JsonObject(s);
      out.add(EscalationRules.normalise(q.getString("subject", "") + "\n" + q.getString("body", "")));
    }
    return out;
  }

  /**
   * Splits a pattern into its top-level alternatives and, inside each, every choice of every alternation group
   * (lookarounds left whole): one cue per choice, the rest of the alternative unchanged around it.
   */
  static void cues(String where, String regex, List<Cue> out) {
    for (String alt : split(regex, 0, regex.length())) {
      out.add(new Cue(where, alt));
      List<int[]> groups = new ArrayList<>();
      groups(alt, groups);
      for (int[] g : groups) {
        List<String> choices = split(alt, g[0], g[1]);
        if (choices.size() < 2) {
          continue;
        }
        for (String c : choices) {
          out.add(new Cue(where, alt.substring(0, g[0]) + c + alt.substring(g[1])));
        }
      }
    }
  }

  /** The content ranges [from, to) of the capturing and non-capturing groups of a regex, lookarounds excluded. */
  private static void groups(String r, List<int[]> out) {
    List<Integer> open = new ArrayList<>();
    for (int i = 0; i < r.length(); i++) {
      char ch = r.charAt(i);
      if (ch == '\\') {
        i++;
      } else if (ch == '[') {
        i = classEnd(r, i);
      } else if (ch == '(') {
        int from = i + 1;
        if (r.startsWith("?:", from)) {
          from += 2;
        } else if (r.startsWith("?", from)) {
          from = -1;
        }
        open.add(from);
      } else if (ch == ')') {
        int from = open.remove(open.size() - 1);
        if (from >= 0) {
          out.add(new int[] {from, i});
        }
      }
    }
  }

  /** The alternatives of r between from and to at that range's own level. */
  private static List<String> split(String r, int from, int to) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int start = from;
    for (int i = from; i < to; i++) {
      char ch = r.charAt(i);
      if (ch == '\\') {
        i++;
      } else if (ch == '[') {
        i = classEnd(r, i);
      } else if (ch == '(') {
        depth++;
      } else if (ch == ')') {
        depth--;
      } else if (ch == '|' && depth == 0) {
        out.add(r.substring(start, i));
        start = i + 1;
      }
    }
    out.add(r.substring(start, to));
    return out;
  }

  private static int classEnd(String r, int i) {
    int j = i + 1;
    if (j < r.length() && r.charAt(j) == '^') {
      j++;
    }
    if (j < r.length() && r.charAt(j) == ']') {
      j++;
    }
    for (; j < r.length(); j++) {
      if (r.charAt(j) == '\\') {
        j++;
      } else if (r.charAt(j) == ']') {
        return j;
      }
    }
    return r.length();
  }
}
