package io.supportpilot.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.supportpilot.web.HttpFailure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a batch body into its items, a JSON array's elements or NDJSON lines, each as (offset, length) of its
 * exact bytes: nothing is parsed into a tree, and each item is then checked on its own.
 */
final class BatchSplitter {

  private final JsonBodyReader json;

  BatchSplitter(JsonBodyReader json) {
    this.json = json;
  }

  /** The items of a batch body: a JSON array, or NDJSON (one object per line). Each entry is (offset, length). */
  static List<int[]> ndjsonLines(byte[] body, int length) {
    List<int[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= length; i++) {
      if (i == length || body[i] == '\n') {
        int s = start;
        int e = i;
        while (s < e && isSpace(body[s])) {
          s++;
        }
        while (e > s && isSpace(body[e - 1])) {
          e--;
        }
        if (e > s) {
          lines.add(new int[] {s, e - s});
        }
        start = i + 1;
      }
    }
    return lines;
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\r' || b == '\t' || b == '\n';
  }

  /**
   * The items of a JSON array body as (offset, length) of each element's exact bytes, found with a streaming
   * parser (no tree): each item is then checked on its own, so one bad item fails only itself. A body that is not
   * a well-formed array gives a 400; more than {@code maxItems} items a 413.
   */
  List<int[]> arrayItems(byte[] body, int length, int maxItems) {
    List<int[]> items = new ArrayList<>();
    try (JsonParser p = json.parser(body, 0, length)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw HttpFailure.badRequest("the body must be a JSON array of errors");
      }
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) {
          throw HttpFailure.badRequest("the body is not valid JSON: it ends before the array is closed");
        }
        if (items.size() == maxItems) {
          throw HttpFailure.tooLarge("the batch holds more than " + maxItems + " items");
        }
        long start = p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        long end = p.currentLocation().getByteOffset();
        items.add(new int[] {(int) start, (int) (end - start)});
      }
      if (p.nextToken() != null) {
        throw HttpFailure.badRequest("the body is not valid JSON: unexpected content after the array");
      }
    } catch (IOException e) {
      throw JsonReadFailures.unreadable(e);
    }
    return items;
  }
}
