package io.supportpilot.rules;

import io.supportpilot.bus.ErrorEvent;

/** A stored error as a {@link Subject} of {@link Schema#ERROR}; a thin view, nothing copied. */
final class ErrorSubject extends RememberingSubject {

  private final ErrorEvent e;

  ErrorSubject(ErrorEvent e) {
    this.e = e;
  }

  @Override
  public String string(int slot) {
    switch (slot) {
      case 0:
        return e.source();
      case 1:
        return e.eventId();
      case 2:
        return e.userId();
      case 3:
        return e.connectionId();
      case 4:
        return e.tool();
      case 5:
        return e.errorType();
      case 6:
        return e.errorCode();
      case 8:
        return e.level();
      case 9:
        return e.message();
      case 10:
        return e.stack();
      case 11:
        return e.fingerprint();
      default:
        return null;
    }
  }

  @Override
  public double number(int slot) {
    Integer s = e.statusCode();
    return slot == 7 && s != null ? s : Double.NaN;
  }

  @Override
  public long time(int slot) {
    if (slot == 12 && e.occurredAt() != null) {
      return e.occurredAt().toEpochMilli();
    }
    if (slot == 13 && e.receivedAt() != null) {
      return e.receivedAt().toEpochMilli();
    }
    return NO_TIME;
  }

  @Override
  public Boolean bool(int slot) {
    return null;
  }
}
