package io.supportpilot.bench.load;

import io.supportpilot.ingest.Signatures;
import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Realistic MCP error payloads for benchmarks, and a generator of pre-signed request pools for wrk (whose Lua
 * has no HMAC): one request per line, {@code <unix ts>\t<X-Signature>\t<body>} with newlines of NDJSON bodies
 * written as \u0001. Every event id is unique. By default 2,000 users each hitting about 5 of 40 bugs
 * (fingerprints), so each bug has many users, as in a real storm; 500-1500 byte bodies.
 *
 * <p>Usage: {@code SignedPool <single|batch> <requests> <events-per-batch> <secret> <out-file> <id-prefix>
 * [users] [fingerprints]}
 */
public final class SignedPool {

  private static final String[] TYPES = {"ExactApiError", "TokenExpiredError", "ValidationError", "TimeoutError",
      "RateLimitError", "DivisionNotFound", "NetworkError", "ParseError", "PermissionDenied", "InternalError"};
  private static final String[] TOOLS = {"get_invoices", "create_invoice", "list_customers", "get_balance",
      "sync_ledger", "search_items", "get_division", "post_journal", "list_projects", "get_vat_codes"};
  private static final String[] TEMPLATES = {
    "Exact Online returned %d for division %d (request %s)",
    "Refresh token expired for connection %d at %s",
    "Field 'Amount' must be positive, got %d in line %d (%s)",
    "Request to /api/v1/%d/salesinvoice timed out after %d ms (%s)",
    "Rate limit exceeded: %d calls in 60 s for division %d (%s)",
    "Division %d not found for user (tried %d times, %s)",
    "ECONNRESET while calling exact.nl after %d ms, attempt %d (%s)",
    "Unexpected token < in JSON at position %d of %d (%s)",
    "User has no access to division %d, role %d (%s)",
    "Unhandled rejection in handler %d/%d: %s"
  };

  private static final int BUGS_PER_USER = 5;
  private final Random random;
  private final int users;
  private final int fingerprints;

  /** A generator: {@code users} distinct users, about {@code fingerprints} distinct bugs. */
  public SignedPool(long seed, int users, int fingerprints) {
    this.random = new Random(seed);
    this.users = users;
    this.fingerprints = fingerprints;
  }

  /** One realistic MCP error body with the given event id. */
  public String mcpBody(String eventId) {
    return mcpError(eventId).encode();
  }

  JsonObject mcpError(String eventId) {
    // Each user runs into a handful of the bugs (their own tools and data), not all of them.
    int user = random.nextInt(users);
    int bug = (user * 7 + random.nextInt(BUGS_PER_USER)) % fingerprints;
    int type = bug % TYPES.length;
    int template = (bug / TYPES.length) % TEMPLATES.length;
    int variant = bug / (TYPES.length * TEMPLATES.length);
    String message = String.format(TEMPLATES[template], 400 + random.nextInt(200), random.nextInt(1_000_000),
        Long.toHexString(random.nextLong()));
    StringBuilder stack = new StringBuilder(TYPES[type]).append(": ").append(message).append('\n');
    int frames = 3 + random.nextInt(6);
    for (int f = 0; f < frames; f++) {
      if (f < 3) {
        stack.append("    at fn").append(variant).append('_').append(f).append(" (/app/src/tools/").append(TOOLS[type])
            .append(".ts:").append(10 + random.nextInt(300)).append(':').append(1 + random.nextInt(40)).append(")\n");
      } else {
        stack.append("    at processTicksAndRejections (node:internal/process/task_queues:95:5)\n");
      }
    }
    return new JsonObject()
        .put("event_id", eventId)
        .put("user_id", "user-" + user)
        .put("connection_id", "conn-" + user)
        .put("tool", TOOLS[type])
        .put("error_type", TYPES[type])
        .put("error_code", "E" + (1000 + template))
        .put("status_code", type == 1 ? 401 : type == 4 ? 429 : type == 2 ? 400 : 502)
        .put("message", message)
        .put("stack", stack.toString())
        .put("context", new JsonObject().put("division", random.nextInt(1_000_000)).put("attempt", random.nextInt(3))
            .put("endpoint", "/api/v1/" + random.nextInt(1_000_000) + "/salesinvoice")
            .put("args", new JsonObject().put("top", 100).put("filter", "Status eq " + random.nextInt(50))))
        .put("occurred_at", java.time.Instant.now().minusMillis(random.nextInt(5000)).toString());
  }

  /** {@code sha256=<hex>} over {@code <ts>.<body>}. */
  public static String sign(String secret, long ts, byte[] body) {
    byte[] prefix = (ts + ".").getBytes(StandardCharsets.US_ASCII);
    return "sha256=" + Signatures.hex(Signatures.withSecret(secret, "pool").hmac(prefix, body, 0, body.length));
  }

  /** Writes a pool file. */
  public static void main(String[] args) throws IOException {
    if (args.length < 6) {
      System.err.println("usage: SignedPool <single|batch> <requests> <events-per-batch> <secret> <out> <id-prefix>");
      System.exit(2);
    }
    boolean batch = args[0].equals("batch");
    int requests = Integer.parseInt(args[1]);
    int perBatch = Integer.parseInt(args[2]);
    String secret = args[3];
    Path out = Path.of(args[4]);
    String prefix = args[5];
    int users = args.length > 6 ? Integer.parseInt(args[6]) : 2000;
    int fingerprints = args.length > 7 ? Integer.parseInt(args[7]) : 40;
    SignedPool gen = new SignedPool(prefix.hashCode(), users, fingerprints);
    long ts = System.currentTimeMillis() / 1000;
    long bytes = 0;
    try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      for (int r = 0; r < requests; r++) {
        String body;
        if (batch) {
          StringBuilder sb = new StringBuilder(perBatch * 900);
          for (int k = 0; k < perBatch; k++) {
            sb.append(gen.mcpBody(prefix + "-" + r + "-" + k)).append('\n');
          }
          body = sb.toString();
        } else {
          body = gen.mcpBody(prefix + "-" + r);
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        bytes += b.length;
        w.write(Long.toString(ts));
        w.write('\t');
        w.write(sign(secret, ts, b));
        w.write('\t');
        w.write(body.replace('\n', '\u0001'));
        w.write('\n');
      }
    }
    System.out.printf("wrote %d %s requests (%d events, avg body %d bytes) to %s%n", requests, args[0],
        batch ? (long) requests * perBatch : requests, bytes / Math.max(1, requests), out);
  }

}
