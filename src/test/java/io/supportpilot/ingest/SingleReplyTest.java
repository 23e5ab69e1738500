package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The single-event reply, written without a JsonObject, is the JSON a JsonObject would have produced. */
class SingleReplyTest {

  @Test
  void theReplyIsValidJsonWithTheEventIdEscaped() {
    // Verifies quotes, backslashes, control characters and non-ASCII in an id survive as the same string.
    String id = "ev-\"quoted\"-\\-\t-\u0001-é-日本";
    JsonObject parsed = new JsonObject(WebhookRoutes.singleReply("accepted", id));
    assertEquals("accepted", parsed.getString("status"));
    assertEquals(id, parsed.getString("event_id"));
    assertEquals(new JsonObject().put("status", "duplicate").putNull("event_id"),
        new JsonObject(WebhookRoutes.singleReply("duplicate", null)));
  }
}
