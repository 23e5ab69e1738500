package io.supportpilot.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A small blocking HTTP client for tests (runs on the test thread, never on an event loop). */
public final class Http {

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5))
      .version(HttpClient.Version.HTTP_1_1)
      .build();

  private Http() {
  }

  /** GET with optional headers (name, value, name, value, ...). */
  public static HttpResponse<String> get(int port, String path, String... headers) {
    return send(HttpRequest.newBuilder(uri(port, path)).GET(), headers);
  }

  /** POST a string body with optional headers. */
  public static HttpResponse<String> post(int port, String path, String body, String... headers) {
    return send(HttpRequest.newBuilder(uri(port, path)).POST(HttpRequest.BodyPublishers.ofString(body)), headers);
  }

  /** POST raw bytes with optional headers. */
  public static HttpResponse<String> post(int port, String path, byte[] body, String... headers) {
    return send(HttpRequest.newBuilder(uri(port, path)).POST(HttpRequest.BodyPublishers.ofByteArray(body)), headers);
  }

  /** Any method with a string body (or null). */
  public static HttpResponse<String> method(int port, String method, String path, String body, String... headers) {
    HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body);
    return send(HttpRequest.newBuilder(uri(port, path)).method(method, p), headers);
  }

  /** The admin bearer header pair. */
  public static String[] admin() {
    return new String[] {"Authorization", "Bearer " + TestEngine.ADMIN_TOKEN, "Content-Type", "application/json"};
  }

  /** The customer-portal bearer header pair. */
  public static String[] portal() {
    return new String[] {"Authorization", "Bearer " + TestEngine.PORTAL_TOKEN, "Content-Type", "application/json"};
  }

  /** The shared client, for tests that need streaming. */
  public static HttpClient client() {
    return CLIENT;
  }

  /** http://127.0.0.1:port/path */
  public static URI uri(int port, String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static HttpResponse<String> send(HttpRequest.Builder b, String... headers) {
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    b.timeout(Duration.ofSeconds(30));
    try {
      return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
