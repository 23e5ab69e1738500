package io.supportpilot.desk;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.web.HttpFailure;
import io.vertx.core.MultiMap;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Status moves a person may make, and the queue's query parsing. */
class StatusTransitionsTest {

  // Verifies that allowed moves pass, resolving needs the resolve route, and a closed conversation only reopens.
  @Test
  void transitions() {
    assertNull(StatusTransitions.refusal("escalated", "waiting_customer"));
    assertNull(StatusTransitions.refusal("open", "open"));
    assertNotNull(StatusTransitions.refusal("open", "resolved"));
    assertNotNull(StatusTransitions.refusal("closed", "escalated"));
    assertNull(StatusTransitions.refusal("closed", "open"));
  }

  // Verifies that the list query is keyset-paged with the id as tie-breaker and that bad parameters are 400s.
  @Test
  void queueQuery() {
    QueueQuery q = QueueQuery.parse(MultiMap.caseInsensitiveMultiMap().add("status", "escalated")
        .add("waiting_longer_than", "4h"), Instant.now());
    assertTrue(q.sql.contains("ORDER BY updated_at DESC, id DESC"), q.sql);
    String cursor = new QueueQuery.Cursor("-updated_at", java.time.OffsetDateTime.now(), "c1").encode();
    QueueQuery next = QueueQuery.parse(MultiMap.caseInsensitiveMultiMap().add("cursor", cursor), Instant.now());
    assertTrue(next.sql.contains("(updated_at, id) < ($1, $2)"), next.sql);
    for (String[] bad : new String[][] {{"status", "nope"}, {"limit", "0"}, {"sort", "subject"},
        {"waiting_longer_than", "4 hours"}, {"created_after", "yesterday"}, {"cursor", "!!"}, {"priority", "x"}}) {
      HttpFailure f = assertThrows(HttpFailure.class, () -> QueueQuery.parse(MultiMap.caseInsensitiveMultiMap()
          .add(bad[0], bad[1]), Instant.now()));
      assertTrue(f.status() == 400 && f.getMessage().contains(bad[0]), f.getMessage());
    }
  }
}
