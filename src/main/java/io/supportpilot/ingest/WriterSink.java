package io.supportpilot.ingest;

import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.WriteRequest;
import io.supportpilot.bus.WriteResult;
import io.supportpilot.store.ErrorEventWriter;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.List;

/** Embedded mode: hands events to the group-commit {@link ErrorEventWriter} and waits for the commit. */
final class WriterSink implements ErrorSink {

  private final Vertx vertx;
  private final DeliveryOptions options;
  private final int retryAfter;

  WriterSink(Vertx vertx, int retryAfterSeconds) {
    this.vertx = vertx;
    this.retryAfter = retryAfterSeconds;
    // A backstop only: the writer answers by itself within about two pg.response-timeouts, also when Postgres hangs.
    this.options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);
  }

  @Override
  public Future<boolean[]> submit(List<ErrorEvent> events) {
    return vertx.eventBus().<WriteResult>request(Addresses.ERRORS_WRITE, new WriteRequest(events), options)
        .map(m -> m.body().inserted())
        .recover(e -> Future.failedFuture(toHttp(e, retryAfter)));
  }

  @Override
  public boolean detectsDuplicates() {
    return true;
  }

  static HttpFailure toHttp(Throwable e, int retryAfter) {
    if (e instanceof ReplyException) {
      ReplyException r = (ReplyException) e;
      if (r.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        switch (r.failureCode()) {
          case ErrorEventWriter.FULL:
            return HttpFailure.overloaded(r.getMessage(), retryAfter);
          case ErrorEventWriter.STORE_DOWN:
            return HttpFailure.unavailable(r.getMessage(), retryAfter);
          case ErrorEventWriter.REJECTED:
            // Postgres refused the content itself (a data or constraint error): a retry would fail the same way.
            return new HttpFailure(422, "unstorable_event",
                "the store refused this event's content; correct it before sending it again");
          default:
            return new HttpFailure(500, "internal_error", "the error could not be stored; retry later", retryAfter);
        }
      }
      return HttpFailure.unavailable("the error store did not answer in time; retry later", retryAfter);
    }
    if (e instanceof HttpFailure) {
      return (HttpFailure) e;
    }
    return HttpFailure.unavailable("the error store is unavailable; retry later", retryAfter);
  }
}
