package io.supportpilot.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NoBlockedThreadsTest {

  @Test
  void aBlockedEventLoopIsRecordedForTheTestHarness() throws Exception {
    // Verifies that Vert.x's blocked-thread warning reaches the recorder that fails a test class (the recorded
    // warning is taken here, so this class itself passes).
    BlockedThreadRecorder.drain();
    Vertx vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(50).setMaxEventLoopExecuteTimeUnit(
        TimeUnit.MILLISECONDS).setBlockedThreadCheckInterval(20).setBlockedThreadCheckIntervalUnit(
        TimeUnit.MILLISECONDS));
    try {
      CountDownLatch done = new CountDownLatch(1);
      vertx.runOnContext(v -> {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        done.countDown();
      });
      assertTrue(done.await(10, TimeUnit.SECONDS));
    } finally {
      // Closed before draining: the checker may still report the loop between the latch and the task's end, and a
      // warning recorded after the drain would fail this class.
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    List<String> recorded = BlockedThreadRecorder.drain();
    assertTrue(recorded.stream().anyMatch(m -> m.contains("vert.x-eventloop-thread")), recorded.toString());
  }
}
