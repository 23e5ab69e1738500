package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** NDJSON line splitting: the word-at-a-time newline search finds exactly what a byte loop finds. */
class BatchSplitterTest {

  @Test
  void theNewlineSearchAgreesWithAByteLoopEverywhere() {
    // Verifies lineEnd against the obvious loop for every start and end of random bodies of 0-40 bytes in which
    // newlines, bytes that differ from a newline in one bit, and bytes above 0x7f (UTF-8) are frequent.
    Random random = new Random(42);
    byte[] alphabet = {'\n', 0x0B, 0x08, 0x0A ^ 0x10, (byte) 0x8A, (byte) 0xC3, '{', '}', ' ', 'a', 0};
    for (int round = 0; round < 2_000; round++) {
      byte[] body = new byte[random.nextInt(41)];
      for (int k = 0; k < body.length; k++) {
        body[k] = alphabet[random.nextInt(alphabet.length)];
      }
      for (int from = 0; from <= body.length; from++) {
        for (int to = from; to <= body.length; to++) {
          int expected = from;
          while (expected < to && body[expected] != '\n') {
            expected++;
          }
          assertEquals(expected, BatchSplitter.lineEnd(body, from, to), "from " + from + " to " + to);
        }
      }
    }
  }

  @Test
  void linesAreTrimmedAndEmptyOnesSkipped() {
    // Verifies the (offset, length) slices: CRLF endings, blank and whitespace-only lines, no final newline, and a
    // line longer than a word.
    String body = "{\"a\":1}\r\n\n   \n\t{\"b\":\"a longer line than eight bytes\"}  \n{\"c\":3}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    List<String> lines = new ArrayList<>();
    for (int[] s : BatchSplitter.ndjsonLines(bytes, bytes.length)) {
      lines.add(new String(bytes, s[0], s[1], StandardCharsets.UTF_8));
    }
    assertEquals(List.of("{\"a\":1}", "{\"b\":\"a longer line than eight bytes\"}", "{\"c\":3}"), lines);
    assertEquals(0, BatchSplitter.ndjsonLines(new byte[0], 0).size());
    byte[] newlines = "\n\n\n\n\n\n\n\n\n\n".getBytes(StandardCharsets.UTF_8);
    assertEquals(0, BatchSplitter.ndjsonLines(newlines, newlines.length).size());
  }
}
