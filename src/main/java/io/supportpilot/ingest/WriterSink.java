package io.supportpilot.ingest;

import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.bus.WriteRequest;
import io.supportpilot.bus.WriteResult;
import io.supportpilot.store.ErrorEventWriter;
import io.supportpilot.store.LoopWriters;
import io.supportpilot.store.WriteFailure;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.List;

/**
 * Embedded mode: hands events to a group-commit {@link ErrorEventWriter} and waits for the commit: directly to the
 * writer of the calling event loop ({@link LoopWriters}), else (off a loop, or more loops than writers) over the
 * event bus to the writer verticles.
 */
final class WriterSink implements ErrorSink {

  private final Vertx vertx;
  private final LoopWriters loops;
  private final DeliveryOptions options;
  private final int retryAfter;

  WriterSink(Vertx vertx, LoopWriters loops, int retryAfterSeconds) {
    this.vertx = vertx;
    this.loops = loops;
    this.retryAfter = retryAfterSeconds;
    // A backstop only: the writer answers by itself within about two pg.response-timeouts, also when Postgres hangs.
    this.options = new DeliveryOptions().setLocalOnly(true).setSendTimeout(10_000);
  }

  @Override
  public Future<boolean[]> submit(List<ErrorEvent> events) {
    ErrorEventWriter direct = loops == null ? null : loops.current();
    if (direct != null) {
      return direct.submit(events).recover(e -> Future.failedFuture(toHttp(e, retryAfter)));
    }
    return vertx.eventBus().<WriteResult>request(Addresses.ERRORS_WRITE, new WriteRequest(events), options)
        .map(m -> m.body().inserted())
        .recover(e -> Future.failedFuture(toHttp(e, retryAfter)));
  }

  @Override
  public boolean detectsDuplicates() {
    return true;
  }

  static HttpFailure toHttp(Throwable e, int retryAfter) {
    if (e instanceof WriteFailure) {
      return toHttp(((WriteFailure) e).code(), e.getMessage(), retryAfter);
    }
    if (e instanceof ReplyException) {
      ReplyException r = (ReplyException) e;
      if (r.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        return toHttp(r.failureCode(), r.getMessage(), retryAfter);
      }
      return HttpFailure.unavailable("the error store did not answer in time; retry later", retryAfter);
    }
    if (e instanceof HttpFailure) {
      return (HttpFailure) e;
    }
    return HttpFailure.unavailable("the error store is unavailable; retry later", retryAfter);
  }

  private static HttpFailure toHttp(int code, String detail, int retryAfter) {
    switch (code) {
      case ErrorEventWriter.FULL:
        return HttpFailure.overloaded(detail, retryAfter);
      case ErrorEventWriter.STORE_DOWN:
        return HttpFailure.unavailable(detail, retryAfter);
      case ErrorEventWriter.REJECTED:
        // Postgres refused the content itself (a data or constraint error): a retry would fail the same way.
        return new HttpFailure(422, "unstorable_event",
            "the store refused this event's content; correct it before sending it again");
      default:
        return new HttpFailure(500, "internal_error", "the error could not be stored; retry later", retryAfter);
    }
  }
}
