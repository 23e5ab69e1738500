package io.supportpilot.triage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.knowledge.Article;
import io.supportpilot.knowledge.Embedder;
import io.supportpilot.knowledge.KnowledgeIndex;
import io.supportpilot.knowledge.SearchTuning;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Triage called from an event loop does its search and scoring elsewhere and answers on the caller's loop. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TriageOffEventLoopTest {

  @Test
  void triageCalledOnAnEventLoopIsNotComputedOnItAndAnswersOnIt() throws Exception {
    // Verifies that a triage started on an event loop has no decision yet when the call returns (the search and
    // scoring were not done inline on that loop; the loop is still busy with the caller, so a decision can only
    // come from a worker), and that the decision is delivered back on the calling event loop's context.
    // One worker thread, held busy until the caller's handler has returned: a decision computed on a worker can
    // only arrive after that, so an answer before the return can only have been computed inline on the loop (a
    // fast free worker could otherwise finish before the listener was registered, which runs it inline).
    Vertx vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(1));
    CountDownLatch workerHeld = new CountDownLatch(1);
    CountDownLatch releaseWorker = new CountDownLatch(1);
    try {
      vertx.executeBlocking(() -> {
        workerHeld.countDown();
        return releaseWorker.await(30, TimeUnit.SECONDS);
      }, false);
      assertTrue(workerHeld.await(10, TimeUnit.SECONDS), "the only worker is held");
      float[] unit = new float[384];
      unit[0] = 1f;
      KnowledgeIndex index = new KnowledgeIndex(SearchTuning.defaults("lexical"));
      index.putArticles(Map.of(new Article("claude-desktop-install", "setup", "Installatie in Claude Desktop",
          "Install in Claude Desktop", "Open de instellingen van Claude Desktop en voeg de server toe.",
          "Open the Claude Desktop settings and add the server to the MCP configuration.", List.of(), true),
          new float[][] {unit}));
      Embedder none = new Embedder() {
        @Override
        public String model() {
          return "none";
        }

        @Override
        public Future<List<float[]>> embedDocuments(List<String> texts) {
          return Future.failedFuture("lexical mode embeds nothing");
        }

        @Override
        public Future<float[]> embedQuery(String text) {
          return Future.failedFuture("lexical mode embeds nothing");
        }
      };
      TriageEngine triage = new TriageEngine(vertx, none, index, 0.85, 0.6);
      CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
      CompletableFuture<Boolean> completeOnReturn = new CompletableFuture<>();
      CompletableFuture<Context> caller = new CompletableFuture<>();
      CompletableFuture<Context> answeredOn = new CompletableFuture<>();
      CompletableFuture<TriageDecision> decision = new CompletableFuture<>();
      vertx.runOnContext(v -> {
        onLoop.complete(Context.isOnEventLoopThread());
        caller.complete(vertx.getOrCreateContext());
        // Whether the answer arrives before this handler returns: it would if the decision were computed inline on
        // the loop. (isComplete() right after the call would race with a fast worker, whose completion is only
        // delivered to this busy loop later.)
        java.util.concurrent.atomic.AtomicBoolean returned = new java.util.concurrent.atomic.AtomicBoolean();
        Future<TriageDecision> f = triage.triage(new TriageQuery(null, "en", "Install",
            "How do I install it in Claude Desktop?", null));
        f.onComplete(ar -> {
          completeOnReturn.complete(!returned.get());
          answeredOn.complete(Context.isOnEventLoopThread() ? vertx.getOrCreateContext() : null);
          if (ar.succeeded()) {
            decision.complete(ar.result());
          } else {
            decision.completeExceptionally(ar.cause());
          }
        });
        returned.set(true);
        releaseWorker.countDown();
      });
      assertTrue(onLoop.get(10, TimeUnit.SECONDS), "the caller runs on an event loop");
      assertFalse(completeOnReturn.get(10, TimeUnit.SECONDS), "no decision was computed inline on the event loop");
      TriageDecision d = decision.get(30, TimeUnit.SECONDS);
      assertEquals("claude-desktop-install", d.articles().get(0).slug());
      assertSame(caller.get(), answeredOn.get(10, TimeUnit.SECONDS), "answered on the caller's event loop");
    } finally {
      releaseWorker.countDown();
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
