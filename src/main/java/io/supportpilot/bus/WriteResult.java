package io.supportpilot.bus;

/**
 * The outcome of a committed {@link WriteRequest}: per event (same order), true when it was stored now and
 * false when its (source, event id) was already stored.
 */
public record WriteResult(boolean[] inserted) {

  /** How many events were new. */
  public int insertedCount() {
    int n = 0;
    for (boolean b : inserted) {
      if (b) {
        n++;
      }
    }
    return n;
  }
}
