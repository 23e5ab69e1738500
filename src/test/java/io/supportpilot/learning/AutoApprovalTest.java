package io.supportpilot.learning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Suggestions go live by themselves only when the operator enabled it, and only at or above the bar. */
class AutoApprovalTest {

  // Verifies that with auto-approval off nothing is approved, whatever the confidence.
  @Test
  void offByDefault() throws Exception {
    List<Long> approved = new ArrayList<>();
    AutoApproval off = new AutoApproval(null, id -> {
      approved.add(id);
      return Future.succeededFuture();
    });
    assertFalse(off.enabled());
    assertFalse(off.maybeApprove(1, 1.0).await());
    assertTrue(approved.isEmpty());
  }

  // Verifies the bar: below it waits for an admin, at it is approved; a failed approval reports false.
  @Test
  void atOrAboveTheBar() throws Exception {
    List<Long> approved = new ArrayList<>();
    AutoApproval on = new AutoApproval(0.8, id -> {
      approved.add(id);
      return id == 3 ? Future.failedFuture("boom") : Future.succeededFuture();
    });
    assertFalse(on.maybeApprove(1, 0.79).await());
    assertTrue(on.maybeApprove(2, 0.8).await());
    assertFalse(on.maybeApprove(3, 0.9).await());
    assertEquals(List.of(2L, 3L), approved);
  }
}
