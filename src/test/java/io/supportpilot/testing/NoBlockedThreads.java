package io.supportpilot.testing;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class during which Vert.x reported a blocked thread (an event loop held longer than
 * {@code VERTX_MAX_EVENT_LOOP_EXECUTE_TIME}, 200 ms in {@link TestEngine}). Registered for every test class through
 * {@code META-INF/services} and {@code junit.jupiter.extensions.autodetection.enabled}; runs after the class's own
 * {@code @AfterAll} (so a block while an engine stops counts too).
 */
public final class NoBlockedThreads implements BeforeAllCallback, AfterAllCallback {

  @Override
  public void beforeAll(ExtensionContext context) {
    BlockedThreadRecorder.drain();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    List<String> blocked = BlockedThreadRecorder.drain();
    if (!blocked.isEmpty()) {
      throw new AssertionError(context.getDisplayName() + ": Vert.x reported " + blocked.size()
          + " blocked thread(s); first: " + blocked.get(0));
    }
  }
}
