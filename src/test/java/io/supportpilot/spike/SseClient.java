package io.supportpilot.spike;

import io.supportpilot.testing.Http;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A real HTTP client reading a text/event-stream line by line, for tests. */
final class SseClient implements AutoCloseable {

  /** One parsed SSE block: the fields, and the comment lines. */
  record Frame(String id, String event, String data, Long retry, List<String> comments) {
  }

  private static final String EOF = "\u0000eof";

  final HttpResponse<Stream<String>> response;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Thread reader;

  private SseClient(HttpResponse<Stream<String>> response) {
    this.response = response;
    this.reader = new Thread(() -> {
      try (Stream<String> s = response.body()) {
        s.forEach(lines::add);
      } catch (RuntimeException ignored) {
        // closed by the test or the server
      }
      lines.add(EOF);
    }, "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Opens a stream with optional headers (name, value, ...); returns once the response head arrived. */
  static SseClient open(int port, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(Http.uri(port, path)).GET();
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    HttpResponse<Stream<String>> r = Http.client().sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines())
        .get(10, TimeUnit.SECONDS);
    return new SseClient(r);
  }

  /** The status code. */
  int status() {
    return response.statusCode();
  }

  /** The next block (up to a blank line), or null when none arrives in time or the stream ended. */
  Frame next(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String id = null;
    String event = null;
    Long retry = null;
    StringBuilder data = null;
    List<String> comments = new ArrayList<>();
    boolean any = false;
    while (true) {
      String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null || line.equals(EOF)) {
        if (line != null) {
          lines.add(EOF);
        }
        return null;
      }
      if (line.isEmpty()) {
        if (any) {
          return new Frame(id, event, data == null ? null : data.toString(), retry, comments);
        }
        continue;
      }
      any = true;
      if (line.startsWith(":")) {
        comments.add(line.substring(1).trim());
      } else if (line.startsWith("id:")) {
        id = line.substring(3).trim();
      } else if (line.startsWith("event:")) {
        event = line.substring(6).trim();
      } else if (line.startsWith("retry:")) {
        retry = Long.parseLong(line.substring(6).trim());
      } else if (line.startsWith("data:")) {
        data = data == null ? new StringBuilder() : data.append('\n');
        data.append(line.substring(5).trim());
      }
    }
  }

  /** The next block carrying an event (skipping heartbeats and other comments), or null on timeout. */
  Frame nextEvent(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Frame f = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (f == null) {
        return null;
      }
      if (f.event() != null) {
        return f;
      }
    }
    return null;
  }

  @Override
  public void close() {
    reader.interrupt();
    try {
      response.body().close();
    } catch (RuntimeException ignored) {
      // already closed
    }
  }
}
