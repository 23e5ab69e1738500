package io.supportpilot.knowledge;

import io.supportpilot.web.HttpFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** A known-issue pattern: keywords, a regex and error codes that point to an article. */
public record SupportPattern(
    String id,
    String name,
    List<String> keywords,
    String regex,
    List<String> errorCodes,
    List<String> errorTypes,
    String articleSlug,
    double minConfidence,
    boolean active,
    String deactivationReason,
    int timesTriggered,
    int timesResolved) {

  static final Set<String> FIELDS = Set.of("id", "name", "keywords", "regex", "error_codes", "error_types",
      "article_slug", "min_confidence", "active", "deactivation_reason");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");

  /** Validates an admin body (the regex must compile); throws a 400 naming the problem. */
  public static SupportPattern fromJson(JsonObject json) {
    StrictJsonBody in = new StrictJsonBody(json, "pattern", FIELDS);
    String name = in.string("name", 200);
    String id = in.optionalString("id", 100);
    if (id == null) {
      id = "pat-" + name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
      if (id.length() > 100) {
        id = id.substring(0, 100);
      }
    }
    if (!ID.matcher(id).matches()) {
      throw HttpFailure.badRequest("pattern field 'id' must be 1-100 characters of letters, digits, '_', '.', '-'");
    }
    String regex = in.optionalString("regex", 2000);
    if (regex != null) {
      try {
        Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw HttpFailure.badRequest("pattern field 'regex' is not a valid regular expression: "
            + e.getDescription() + " near index " + e.getIndex());
      }
    }
    List<String> keywords = in.strings("keywords", 200);
    List<String> codes = in.strings("error_codes", 100);
    if (keywords.isEmpty() && regex == null && codes.isEmpty()) {
      throw HttpFailure.badRequest("pattern needs at least one of 'keywords', 'regex' or 'error_codes'");
    }
    return new SupportPattern(id, name, keywords, regex, codes, in.strings("error_types", 100),
        in.optionalString("article_slug", 100), in.number("min_confidence", 0.85, 0, 1), in.bool("active", true),
        in.optionalString("deactivation_reason", 500), 0, 0);
  }

  /** The admin JSON form. */
  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("name", name).put("keywords", new JsonArray(keywords))
        .put("regex", regex).put("error_codes", new JsonArray(errorCodes)).put("error_types", new JsonArray(errorTypes))
        .put("article_slug", articleSlug).put("min_confidence", minConfidence).put("active", active)
        .put("deactivation_reason", deactivationReason).put("times_triggered", timesTriggered)
        .put("times_resolved", timesResolved);
  }

  /** The same pattern with another id (used when the path names it). */
  SupportPattern withId(String newId) {
    return new SupportPattern(newId, name, keywords, regex, errorCodes, errorTypes, articleSlug, minConfidence, active,
        deactivationReason, timesTriggered, timesResolved);
  }
}
