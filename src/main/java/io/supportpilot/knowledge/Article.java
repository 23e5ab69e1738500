package io.supportpilot.knowledge;

import io.supportpilot.web.HttpFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** A bilingual knowledge article. */
public record Article(
    String slug,
    String category,
    String titleNl,
    String titleEn,
    String contentNl,
    String contentEn,
    List<String> tags,
    boolean published) {

  static final Set<String> FIELDS = Set.of("slug", "category", "title_nl", "title_en", "content_nl", "content_en",
      "tags", "published");
  private static final Pattern SLUG = Pattern.compile("[a-z0-9][a-z0-9-]{1,99}");

  /** Validates an admin body; throws a 400 naming the problem. */
  public static Article fromJson(JsonObject json) {
    StrictJsonBody in = new StrictJsonBody(json, "article", FIELDS);
    String slug = in.string("slug", 100);
    if (!SLUG.matcher(slug).matches()) {
      throw HttpFailure.badRequest("article field 'slug' must be 2-100 characters of a-z, 0-9 and '-', got '"
          + slug + "'");
    }
    return new Article(slug, in.string("category", 60), in.string("title_nl", 300), in.string("title_en", 300),
        in.string("content_nl", 20_000), in.string("content_en", 20_000), in.strings("tags", 100),
        in.bool("published", true));
  }

  /** The admin JSON form. */
  public JsonObject toJson() {
    return new JsonObject().put("slug", slug).put("category", category).put("title_nl", titleNl)
        .put("title_en", titleEn).put("content_nl", contentNl).put("content_en", contentEn)
        .put("tags", new JsonArray(tags)).put("published", published);
  }

  /** Title in the language ({@code nl} or {@code en}). */
  public String title(String language) {
    return "nl".equals(language) ? titleNl : titleEn;
  }

  /** Content in the language ({@code nl} or {@code en}). */
  public String content(String language) {
    return "nl".equals(language) ? contentNl : contentEn;
  }
}
