package io.supportpilot.knowledge;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the starter knowledge base (a JSON file {@code {"articles": [...], "patterns": [...]}}) on the first start,
 * with the same validation as the admin API; a setting remembers that it was loaded.
 */
final class StarterKnowledge {

  private static final Logger LOG = LoggerFactory.getLogger(StarterKnowledge.class);
  static final String SEEDED = "knowledge.seeded";

  private StarterKnowledge() {
  }

  static Future<Void> seedOnce(Vertx vertx, KnowledgeStore store, KnowledgeService service, Path file) {
    return store.setting(SEEDED).compose(done -> {
      if (done) {
        return Future.succeededFuture();
      }
      return vertx.fileSystem().readFile(file.toString())
          .recover(e -> Future.failedFuture(new IllegalStateException("starter knowledge base " + file
              + " cannot be read (set KNOWLEDGE_SEED_ENABLED=false to start without it): " + e.getMessage())))
          .compose(buf -> {
            JsonObject kb = buf.toJsonObject();
            JsonArray articles = kb.getJsonArray("articles", new JsonArray());
            JsonArray patterns = kb.getJsonArray("patterns", new JsonArray());
            Future<Void> chain = Future.succeededFuture();
            for (int i = 0; i < articles.size(); i++) {
              Article a = Article.fromJson(articles.getJsonObject(i));
              chain = chain.compose(v -> store.insertArticle(a)).mapEmpty();
            }
            for (int i = 0; i < patterns.size(); i++) {
              SupportPattern p = SupportPattern.fromJson(patterns.getJsonObject(i));
              chain = chain.compose(v -> store.insertPattern(p)).mapEmpty();
            }
            return chain.compose(v -> store.putSetting(SEEDED, file.getFileName().toString()))
                .onSuccess(v -> LOG.info("loaded the starter knowledge base: {} articles, {} patterns from {}",
                    articles.size(), patterns.size(), file));
          });
    });
  }
}
