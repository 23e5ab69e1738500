package io.supportpilot.ingest;

import io.supportpilot.bus.ErrorEvent;
import io.supportpilot.web.HttpFailure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One MCP batch body (a JSON array or NDJSON), split into items and validated item by item, so a bad item fails
 * only itself; and the multi-status reply. Runs on a worker thread for large bodies (see {@link WebhookRoutes}).
 */
final class McpBatch {

  private McpBatch() {
  }

  /** One item: its position, and either the normalised event or why it was refused. */
  record Item(int index, ErrorEvent event, HttpFailure failure) {
  }

  /**
   * The items of a verified batch body. {@code timestamp} is the signed {@code X-Timestamp}; with the item's
   * position it seeds the generated id of an item that has neither {@code event_id} nor {@code occurred_at}, so two
   * identical such items in one batch are two events, and a replay of the same signed batch is stored once.
   */
  static List<Item> parse(BatchSplitter batches, McpEventReader events, byte[] body, String timestamp, Instant now,
      int maxItems) {
    int first = 0;
    while (first < body.length && Character.isWhitespace(body[first])) {
      first++;
    }
    if (first == body.length) {
      throw HttpFailure.badRequest("the batch is empty");
    }
    boolean array = body[first] == '[';
    List<int[]> slices;
    if (array) {
      slices = batches.arrayItems(body, body.length, maxItems);
    } else {
      slices = BatchSplitter.ndjsonLines(body, body.length);
      if (slices.size() > maxItems) {
        throw HttpFailure.tooLarge("the batch holds " + slices.size() + " lines; at most " + maxItems);
      }
    }
    if (slices.isEmpty()) {
      throw HttpFailure.badRequest("the batch is empty");
    }
    List<Item> items = new ArrayList<>(slices.size());
    for (int i = 0; i < slices.size(); i++) {
      int[] s = slices.get(i);
      try {
        items.add(new Item(i, events.read(body, s[0], s[1], now, "[" + i + "].", timestamp + "#" + i), null));
      } catch (HttpFailure f) {
        items.add(new Item(i, null, array ? f
            : new HttpFailure(f.status(), f.code(), "line " + (i + 1) + ": " + f.getMessage())));
      }
    }
    return items;
  }

  /** The reply to a batch: counts, the status (202, 200, 207 or 400) and the JSON body with per-item results. */
  record Reply(int status, int accepted, int duplicates, int rejected, String body) {
  }

  /**
   * The reply for {@code items}, where {@code isNew[i]} says whether valid item {@code i} was stored now (true) or
   * was already stored (false); invalid items are ignored in it. Written straight to a string: a 5,000-item reply
   * stays well under a millisecond on the event loop.
   */
  static Reply reply(List<Item> items, boolean[] isNew) {
    StringBuilder results = new StringBuilder(items.size() * 64);
    int accepted = 0;
    int duplicates = 0;
    int rejected = 0;
    for (int k = 0; k < items.size(); k++) {
      Item it = items.get(k);
      if (k > 0) {
        results.append(',');
      }
      results.append("{\"index\":").append(it.index());
      if (it.failure() != null) {
        rejected++;
        results.append(",\"status\":").append(it.failure().status()).append(",\"error\":");
        quote(results, it.failure().code());
        results.append(",\"detail\":");
        quote(results, it.failure().getMessage());
      } else {
        boolean fresh = isNew[k];
        if (fresh) {
          accepted++;
        } else {
          duplicates++;
        }
        results.append(",\"status\":").append(fresh ? 202 : 200).append(",\"event_id\":");
        quote(results, it.event().eventId());
      }
      results.append('}');
    }
    int status = rejected == items.size() ? 400 : rejected > 0 ? 207 : accepted > 0 ? 202 : 200;
    StringBuilder out = new StringBuilder(results.length() + 160);
    out.append("{\"accepted\":").append(accepted).append(",\"duplicates\":").append(duplicates)
        .append(",\"rejected\":").append(rejected).append(",\"results\":[").append(results).append(']');
    if (status == 400) {
      out.append(",\"error\":\"bad_request\",\"detail\":\"no item of the batch is valid; see results\"");
    }
    out.append('}');
    return new Reply(status, accepted, duplicates, rejected, out.toString());
  }

  /** Appends a JSON string literal (escaping quotes, backslashes and control characters). */
  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }
}
