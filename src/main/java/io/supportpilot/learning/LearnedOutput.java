package io.supportpilot.learning;

import io.supportpilot.rules.RegexGuard;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Validates what Claude wrote for the learning loop before anything is stored: exactly the expected fields with the
 * expected types, keywords in both languages (plain words, no markup), error codes that look like codes, a regex
 * that compiles in Java, is not catastrophic ({@link RegexGuard}), matches the question it was learned from and
 * neither the empty text nor any other article's title, an article that exists (the solving one when the
 * conversation had one), a confidence in [0, 1]; for drafts, both languages' titles and contents within bounds and
 * no link the support answers did not give. Anything else is {@link Invalid}: the caller falls back to the
 * extractive analysis.
 */
final class LearnedOutput {

  static final int MAX_KEYWORDS = 6;
  static final int MAX_REGEX = 300;
  private static final Pattern KEYWORD = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}' .-]{1,38}[\\p{L}\\p{N}]");
  private static final Pattern CODE = Pattern.compile("[A-Z0-9][A-Z0-9_]{1,39}");
  private static final Pattern TAG = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N} -]{0,30}");
  private static final Pattern URL = Pattern.compile("(?i)\\b(?:https?://|www\\.)[^\\s)\\]>\"']+");
  private static final Set<String> PATTERN_FIELDS = Set.of("keywords_nl", "keywords_en", "error_codes", "regex",
      "article_slug", "confidence", "summary");
  private static final Set<String> ARTICLE_FIELDS = Set.of("title_nl", "title_en", "content_nl", "content_en",
      "tags");

  private LearnedOutput() {
  }

  /** The model's output was not usable; the message says why (logged, and counted as a fallback). */
  static final class Invalid extends RuntimeException {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  /** What the validation of a pattern checks against: the articles that exist, and their titles. */
  record Rules(Set<String> slugs, List<String> otherTitles) {
  }

  /** A validated pattern proposal. */
  record Proposal(List<String> keywordsNl, List<String> keywordsEn, List<String> errorCodes, String regex,
      String articleSlug, double confidence, String summary) {

    List<String> keywords(String language) {
      Set<String> all = new LinkedHashSet<>("nl".equals(language) ? keywordsNl : keywordsEn);
      all.addAll("nl".equals(language) ? keywordsEn : keywordsNl);
      return new ArrayList<>(all);
    }
  }

  /** A validated article draft. */
  record Draft(String titleNl, String titleEn, String contentNl, String contentEn, List<String> tags) {
  }

  static Proposal pattern(JsonObject in, String question, String solvingSlug, Rules rules) {
    fields(in, PATTERN_FIELDS);
    List<String> nl = keywords(in, "keywords_nl");
    List<String> en = keywords(in, "keywords_en");
    List<String> codes = new ArrayList<>();
    for (String c : strings(in, "error_codes", 0, 5)) {
      if (!CODE.matcher(c).matches()) {
        throw new Invalid("error_codes: " + quote(c) + " is not an upper-case code");
      }
      codes.add(c);
    }
    String regex = string(in, "regex", 1, MAX_REGEX);
    Pattern compiled;
    try {
      compiled = Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new Invalid("regex does not compile in Java: " + e.getDescription());
    }
    String unsafe = RegexGuard.problem(regex);
    if (unsafe != null) {
      throw new Invalid("regex refused: " + unsafe);
    }
    if (compiled.matcher("").find()) {
      throw new Invalid("regex matches the empty text");
    }
    if (!compiled.matcher(question).find()) {
      throw new Invalid("regex does not match the question it was learned from");
    }
    for (String title : rules.otherTitles()) {
      if (compiled.matcher(title).find()) {
        throw new Invalid("regex matches another article's title: " + quote(title));
      }
    }
    String slug = string(in, "article_slug", 0, 200).trim();
    if (slug.isEmpty()) {
      slug = null;
    }
    if (solvingSlug != null && !solvingSlug.equals(slug)) {
      throw new Invalid("article_slug " + quote(slug) + " is not the article the conversation was solved with");
    }
    if (slug != null && !rules.slugs().contains(slug)) {
      throw new Invalid("article_slug " + quote(slug) + " does not exist");
    }
    Object c = in.getValue("confidence");
    if (!(c instanceof Number) || !(((Number) c).doubleValue() >= 0 && ((Number) c).doubleValue() <= 1)) {
      throw new Invalid("confidence must be a number in [0, 1]");
    }
    String summary = string(in, "summary", 0, 500);
    return new Proposal(nl, en, codes, regex, slug, ((Number) c).doubleValue(), summary);
  }

  static Draft article(JsonObject in, String answers) {
    fields(in, ARTICLE_FIELDS);
    String titleNl = string(in, "title_nl", 3, 200).trim();
    String titleEn = string(in, "title_en", 3, 200).trim();
    String nl = string(in, "content_nl", 20, 19_000).trim();
    String en = string(in, "content_en", 20, 19_000).trim();
    if (nl.equals(en)) {
      throw new Invalid("content_nl and content_en are the same text");
    }
    Set<String> given = new LinkedHashSet<>();
    Matcher m = URL.matcher(answers);
    while (m.find()) {
      given.add(m.group().toLowerCase(Locale.ROOT));
    }
    for (String text : List.of(titleNl, titleEn, nl, en)) {
      Matcher u = URL.matcher(text);
      while (u.find()) {
        if (!given.contains(u.group().toLowerCase(Locale.ROOT))) {
          throw new Invalid("a link the support answers did not give: " + quote(u.group()));
        }
      }
    }
    List<String> tags = new ArrayList<>();
    for (String t : strings(in, "tags", 0, 6)) {
      String tag = t.trim().toLowerCase(Locale.ROOT);
      if (!TAG.matcher(tag).matches()) {
        throw new Invalid("tags: " + quote(t) + " is not a short tag");
      }
      tags.add(tag);
    }
    return new Draft(titleNl, titleEn, nl, en, tags);
  }

  private static void fields(JsonObject in, Set<String> expected) {
    for (String f : in.fieldNames()) {
      if (!expected.contains(f)) {
        throw new Invalid("unexpected field " + quote(f));
      }
    }
  }

  private static List<String> keywords(JsonObject in, String field) {
    List<String> out = new ArrayList<>();
    for (String k : strings(in, field, 1, MAX_KEYWORDS)) {
      String w = k.trim().toLowerCase(Locale.ROOT);
      if (!KEYWORD.matcher(w).matches() || w.split(" ").length > 3) {
        throw new Invalid(field + ": " + quote(k) + " is not a plain keyword");
      }
      if (!out.contains(w)) {
        out.add(w);
      }
    }
    return out;
  }

  private static List<String> strings(JsonObject in, String field, int min, int max) {
    Object v = in.getValue(field);
    if (!(v instanceof JsonArray)) {
      throw new Invalid(field + " must be an array of strings");
    }
    JsonArray a = (JsonArray) v;
    if (a.size() < min || a.size() > max) {
      throw new Invalid(field + " must have " + min + " to " + max + " entries");
    }
    List<String> out = new ArrayList<>();
    for (Object o : a) {
      if (!(o instanceof String)) {
        throw new Invalid(field + " must be an array of strings");
      }
      out.add((String) o);
    }
    return out;
  }

  private static String string(JsonObject in, String field, int min, int max) {
    Object v = in.getValue(field);
    if (!(v instanceof String) || ((String) v).length() < min || ((String) v).length() > max) {
      throw new Invalid(field + " must be a string of " + min + " to " + max + " characters");
    }
    return (String) v;
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    return "'" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "'";
  }
}
