package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.supportpilot.store.ErrorEventWriter;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.Test;

class WriterSinkTest {

  @Test
  void eachWriterOutcomeBecomesItsOwnStatus() {
    // Verifies that the writer's answers map to what a sender should do: 429/503 retry later, content Postgres
    // refused is a 422 without Retry-After (a retry would fail the same way), an engine fault a 500.
    assertEquals(429, map(ErrorEventWriter.FULL).status());
    assertEquals(503, map(ErrorEventWriter.STORE_DOWN).status());
    HttpFailure rejected = map(ErrorEventWriter.REJECTED);
    assertEquals(422, rejected.status());
    assertEquals("unstorable_event", rejected.code());
    assertNull(rejected.retryAfterSeconds());
    assertEquals(500, map(ErrorEventWriter.FAILED).status());
  }

  private static HttpFailure map(int code) {
    return WriterSink.toHttp(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, code, "x"), 1);
  }
}
