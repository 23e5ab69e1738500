package io.supportpilot.store;

import io.supportpilot.bus.ErrorEvent;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.List;

/** Rows of {@code support_error_log} read back as {@link ErrorEvent}s: the columns to select and their reading. */
public final class StoredErrorRows {

  /** The columns of a stored error, in the order {@link #events} reads them. */
  public static final String COLUMNS = "source, event_id, user_id, connection_id, tool, error_type, error_code,"
      + " status_code, level, message, stack, context::text, fingerprint, occurred_at, created_at";

  private StoredErrorRows() {
  }

  /** The events of rows that selected (or returned) {@link #COLUMNS}, in row order. */
  public static List<ErrorEvent> events(RowSet<Row> rows) {
    List<ErrorEvent> events = new ArrayList<>(rows.size());
    for (Row r : rows) {
      events.add(new ErrorEvent(r.getString(0), r.getString(1), r.getString(2), r.getString(3),
          r.getString(4), r.getString(5), r.getString(6), r.getInteger(7), r.getString(8), r.getString(9),
          r.getString(10), r.getString(11), r.getString(12), r.getOffsetDateTime(13).toInstant(),
          r.getOffsetDateTime(14).toInstant()));
    }
    return events;
  }
}
