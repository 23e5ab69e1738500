package io.supportpilot.store;

/**
 * Why the writer could not store a request, as one of the writer's codes ({@link ErrorEventWriter#FULL},
 * {@link ErrorEventWriter#STORE_DOWN}, {@link ErrorEventWriter#REJECTED}, {@link ErrorEventWriter#FAILED}). The
 * failure of a direct (same event loop) write; over the event bus the same code travels as the reply's failure code.
 */
public final class WriteFailure extends RuntimeException {

  private final int code;

  public WriteFailure(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** The writer's failure code. */
  public int code() {
    return code;
  }
}
