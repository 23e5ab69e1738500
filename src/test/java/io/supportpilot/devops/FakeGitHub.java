package io.supportpilot.devops;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local fake of the GitHub REST API for one repository, speaking its documented wire format: repository, code
 * search, contents (GET and PUT), git refs, branches and pulls. It refuses what GitHub refuses: a missing or wrong
 * token (401 Bad credentials), no User-Agent (403), an unsupported X-GitHub-Api-Version (400) — and, stricter than
 * GitHub (which defaults the version), a missing one — other repositories (404), creating a ref that exists (422
 * "Reference already exists"), updating a file without its blob sha (422) or with a stale one (409), writing to a
 * protected branch (409), a PR whose head has no commits over its base (422 "No commits between"). Rate-limit
 * answers can be scripted (403 or 429 with x-ratelimit-remaining: 0, x-ratelimit-reset, retry-after).
 */
final class FakeGitHub implements AutoCloseable {

  static final String TOKEN = "github_pat_11TESTTOKEN0000000000000000000000";
  static final String VERSION = "2022-11-28";

  /** A scripted answer for the next request. */
  record Step(int status, Map<String, String> headers, JsonObject body) {
  }

  /** A request as received (method, path with query, whether it was authorised). */
  record Received(HttpMethod method, String path, String query, JsonObject body) {
  }

  private record Commit(String sha, String parent, Map<String, String> files, String message) {
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final String repo;
  private final String defaultBranch = "main";
  private final Map<String, String> branches = new ConcurrentHashMap<>();
  private final Map<String, Commit> commits = new ConcurrentHashMap<>();
  private final Set<String> protectedBranches = ConcurrentHashMap.newKeySet();
  private final Map<Integer, JsonObject> pulls = new ConcurrentHashMap<>();
  private final AtomicInteger pullNumbers = new AtomicInteger(40);
  private final AtomicInteger remaining = new AtomicInteger(5000);
  private final AtomicInteger mergeAttempts = new AtomicInteger();
  private final Queue<Step> script = new ConcurrentLinkedQueue<>();
  private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
  private final List<String> refusals = Collections.synchronizedList(new ArrayList<>());

  FakeGitHub(String repo, Map<String, String> files) {
    this.repo = repo;
    Commit root = new Commit(sha("root" + repo), null, new LinkedHashMap<>(files), "initial");
    commits.put(root.sha, root);
    branches.put(defaultBranch, root.sha);
    protectedBranches.add(defaultBranch);
    server = vertx.createHttpServer().requestHandler(this::handle);
    try {
      server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** The next requests get these answers, in order. */
  FakeGitHub then(Step... steps) {
    script.addAll(List.of(steps));
    return this;
  }

  static Step primaryLimit(long resetEpochSecond) {
    return new Step(403, Map.of("x-ratelimit-remaining", "0", "x-ratelimit-limit", "5000",
        "x-ratelimit-reset", String.valueOf(resetEpochSecond)), new JsonObject().put("message",
        "API rate limit exceeded for user ID 1.").put("documentation_url",
        "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"));
  }

  static Step secondaryLimit(int retryAfterSeconds) {
    return new Step(429, Map.of("retry-after", String.valueOf(retryAfterSeconds)), new JsonObject().put("message",
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."));
  }

  List<Received> received() {
    synchronized (received) {
      return new ArrayList<>(received);
    }
  }

  List<String> refusals() {
    synchronized (refusals) {
      return new ArrayList<>(refusals);
    }
  }

  int mergeAttempts() {
    return mergeAttempts.get();
  }

  /** Branch names. */
  Set<String> branches() {
    return new HashSet<>(branches.keySet());
  }

  /** The file at a branch's head, or null. */
  String file(String branch, String path) {
    String head = branches.get(branch);
    return head == null ? null : commits.get(head).files.get(path);
  }

  /** Commit messages from a branch's head back to (not including) the default branch's head. */
  List<String> commitsAhead(String branch) {
    List<String> out = new ArrayList<>();
    String base = branches.get(defaultBranch);
    for (String c = branches.get(branch); c != null && !c.equals(base); c = commits.get(c).parent) {
      out.add(commits.get(c).message);
    }
    return out;
  }

  List<JsonObject> pulls() {
    return new ArrayList<>(pulls.values());
  }

  /** A human merges the PR. */
  void merge(int number) {
    pulls.get(number).put("state", "closed").put("merged", true).put("merged_at", Instant.now().toString())
        .put("draft", false);
  }

  @Override
  public void close() {
    vertx.close();
  }

  // ---- the server

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(buf -> {
      JsonObject body = null;
      if (buf.length() > 0) {
        try {
          body = buf.toJsonObject();
        } catch (RuntimeException e) {
          answer(req, 400, new JsonObject().put("message", "Problems parsing JSON"));
          return;
        }
      }
      received.add(new Received(req.method(), req.path(), req.query(), body));
      String auth = req.getHeader("Authorization");
      if (auth == null) {
        refuse(req, 401, "Requires authentication");
        return;
      }
      if (!auth.equals("Bearer " + TOKEN) && !auth.equals("token " + TOKEN)) {
        refuse(req, 401, "Bad credentials");
        return;
      }
      if (req.getHeader("User-Agent") == null || req.getHeader("User-Agent").isBlank()) {
        refuse(req, 403, "Request forbidden by administrative rules. Please make sure your request has a "
            + "User-Agent header");
        return;
      }
      String version = req.getHeader("X-GitHub-Api-Version");
      if (version == null) {
        refuse(req, 400, "X-GitHub-Api-Version header missing (this fake is stricter than GitHub)");
        return;
      }
      if (!VERSION.equals(version)) {
        refuse(req, 400, "API version '" + version + "' is not supported.");
        return;
      }
      Step step = script.poll();
      if (step != null) {
        req.response().setStatusCode(step.status());
        step.headers().forEach((k, v) -> req.response().putHeader(k, v));
        answer(req, step.status(), step.body());
        return;
      }
      try {
        route(req, body);
      } catch (RuntimeException e) {
        answer(req, 500, new JsonObject().put("message", "fake failure: " + e));
      }
    });
  }

  private void route(HttpServerRequest req, JsonObject body) {
    String path = req.path();
    HttpMethod m = req.method();
    if (m == HttpMethod.GET && path.equals("/search/code")) {
      search(req);
      return;
    }
    String prefix = "/repos/" + repo;
    if (!path.startsWith("/repos/")) {
      answer(req, 404, notFound());
      return;
    }
    if (!path.equalsIgnoreCase(prefix) && !path.toLowerCase(Locale.ROOT).startsWith(prefix.toLowerCase(Locale.ROOT) + "/")) {
      refuse(req, 404, "Not Found");
      return;
    }
    String rest = path.substring(prefix.length());
    if (m == HttpMethod.GET && rest.isEmpty()) {
      answer(req, 200, new JsonObject().put("full_name", repo).put("default_branch", defaultBranch)
          .put("private", true));
    } else if (rest.startsWith("/contents/")) {
      String file = decode(rest.substring("/contents/".length()));
      if (m == HttpMethod.GET) {
        getContents(req, file);
      } else if (m == HttpMethod.PUT) {
        putContents(req, file, body);
      } else {
        answer(req, 404, notFound());
      }
    } else if (m == HttpMethod.GET && rest.startsWith("/git/ref/heads/")) {
      String b = decode(rest.substring("/git/ref/heads/".length()));
      String sha = branches.get(b);
      if (sha == null) {
        answer(req, 404, notFound());
      } else {
        answer(req, 200, new JsonObject().put("ref", "refs/heads/" + b).put("object", new JsonObject()
            .put("sha", sha).put("type", "commit")));
      }
    } else if (m == HttpMethod.POST && rest.equals("/git/refs")) {
      createRef(req, body);
    } else if (m == HttpMethod.GET && rest.startsWith("/branches/")) {
      String b = decode(rest.substring("/branches/".length()));
      String sha = branches.get(b);
      if (sha == null) {
        refuse(req, 404, "Branch not found");
      } else {
        answer(req, 200, new JsonObject().put("name", b).put("protected", protectedBranches.contains(b))
            .put("commit", new JsonObject().put("sha", sha)));
      }
    } else if (m == HttpMethod.POST && rest.equals("/pulls")) {
      createPull(req, body);
    } else if (m == HttpMethod.GET && rest.matches("/pulls/\\d+")) {
      JsonObject pr = pulls.get(Integer.parseInt(rest.substring("/pulls/".length())));
      if (pr == null) {
        answer(req, 404, notFound());
      } else {
        answer(req, 200, pr);
      }
    } else if (m == HttpMethod.PUT && rest.matches("/pulls/\\d+/merge")) {
      mergeAttempts.incrementAndGet();
      refuse(req, 405, "Pull Request is not mergeable");
    } else {
      answer(req, 404, notFound());
    }
  }

  private void search(HttpServerRequest req) {
    String q = req.getParam("q", "");
    if (q.isBlank()) {
      validation(req, "Search", "q", "missing");
      return;
    }
    List<String> terms = new ArrayList<>();
    boolean scoped = false;
    for (String t : q.split("\\s+")) {
      if (t.toLowerCase(Locale.ROOT).startsWith("repo:")) {
        if (!t.substring(5).equalsIgnoreCase(repo)) {
          // Another repository: GitHub answers with its hits; this fake has none, and records the attempt.
          refusals.add("search outside " + repo + ": " + t);
          answer(req, 200, new JsonObject().put("total_count", 0).put("incomplete_results", false)
              .put("items", new JsonArray()));
          return;
        }
        scoped = true;
      } else if (!t.isBlank()) {
        terms.add(t.toLowerCase(Locale.ROOT));
      }
    }
    if (!scoped) {
      refusals.add("unscoped search: " + q);
    }
    JsonArray items = new JsonArray();
    commits.get(branches.get(defaultBranch)).files.forEach((p, content) -> {
      String c = content.toLowerCase(Locale.ROOT);
      if (terms.stream().allMatch(c::contains)) {
        items.add(new JsonObject().put("name", p.substring(p.lastIndexOf('/') + 1)).put("path", p)
            .put("sha", blobSha(content)).put("url", url() + "/repos/" + repo + "/contents/" + p)
            .put("html_url", "https://github.com/" + repo + "/blob/" + defaultBranch + "/" + p)
            .put("repository", new JsonObject().put("full_name", repo)).put("score", 1.0));
      }
    });
    answer(req, 200, new JsonObject().put("total_count", items.size()).put("incomplete_results", false)
        .put("items", items));
  }

  private void getContents(HttpServerRequest req, String path) {
    String ref = req.getParam("ref", defaultBranch);
    String head = branches.get(ref);
    String content = head == null ? null : commits.get(head).files.get(path);
    if (content == null) {
      answer(req, 404, notFound());
      return;
    }
    String b64 = Base64.getMimeEncoder(60, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(content.getBytes(StandardCharsets.UTF_8));
    answer(req, 200, new JsonObject().put("type", "file").put("encoding", "base64").put("size", content.length())
        .put("name", path.substring(path.lastIndexOf('/') + 1)).put("path", path).put("content", b64 + "\n")
        .put("sha", blobSha(content)));
  }

  private void putContents(HttpServerRequest req, String path, JsonObject body) {
    if (body == null || !(body.getValue("message") instanceof String) || !(body.getValue("content") instanceof String)) {
      validation(req, "Contents", body == null || body.getValue("message") == null ? "message" : "content", "missing");
      return;
    }
    String text;
    try {
      text = new String(Base64.getDecoder().decode(body.getString("content")), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      refuse(req, 422, "content is not valid Base64");
      return;
    }
    String branch = body.getString("branch", defaultBranch);
    String head = branches.get(branch);
    if (head == null) {
      refuse(req, 404, "Branch " + branch + " not found");
      return;
    }
    if (protectedBranches.contains(branch)) {
      refuse(req, 409, "Changes must be made through a pull request.");
      return;
    }
    Commit parent = commits.get(head);
    String existing = parent.files.get(path);
    if (existing != null && body.getValue("sha") == null) {
      refuse(req, 422, "Invalid request.\n\n\"sha\" wasn't supplied.");
      return;
    }
    if (existing != null && !blobSha(existing).equals(body.getString("sha"))) {
      refuse(req, 409, path + " does not match " + body.getString("sha"));
      return;
    }
    Map<String, String> files = new LinkedHashMap<>(parent.files);
    files.put(path, text);
    Commit c = new Commit(sha(head + path + text + System.nanoTime()), head, files, body.getString("message"));
    commits.put(c.sha, c);
    branches.put(branch, c.sha);
    answer(req, existing == null ? 201 : 200, new JsonObject()
        .put("content", new JsonObject().put("name", path.substring(path.lastIndexOf('/') + 1)).put("path", path)
            .put("sha", blobSha(text)))
        .put("commit", new JsonObject().put("sha", c.sha).put("message", c.message)));
  }

  private void createRef(HttpServerRequest req, JsonObject body) {
    String ref = body == null ? null : body.getString("ref");
    String sha = body == null ? null : body.getString("sha");
    if (ref == null || sha == null) {
      validation(req, "Reference", ref == null ? "ref" : "sha", "missing_field");
      return;
    }
    if (!ref.startsWith("refs/") || ref.split("/").length < 3) {
      refuse(req, 422, "Reference name is invalid");
      return;
    }
    if (!commits.containsKey(sha)) {
      refuse(req, 422, "Object does not exist");
      return;
    }
    String branch = ref.substring("refs/heads/".length());
    if (branches.putIfAbsent(branch, sha) != null) {
      refuse(req, 422, "Reference already exists");
      return;
    }
    answer(req, 201, new JsonObject().put("ref", ref).put("object", new JsonObject().put("sha", sha)
        .put("type", "commit")));
  }

  private void createPull(HttpServerRequest req, JsonObject body) {
    if (body == null || body.getString("head") == null || body.getString("base") == null
        || (body.getString("title") == null && body.getValue("issue") == null)) {
      validation(req, "PullRequest", "head", "missing_field");
      return;
    }
    String head = body.getString("head");
    String base = body.getString("base");
    if (!branches.containsKey(head)) {
      validation(req, "PullRequest", "head", "invalid");
      return;
    }
    if (!branches.containsKey(base)) {
      validation(req, "PullRequest", "base", "invalid");
      return;
    }
    for (JsonObject p : pulls.values()) {
      if ("open".equals(p.getString("state")) && head.equals(p.getJsonObject("head").getString("ref"))) {
        customValidation(req, "A pull request already exists for " + repo.split("/")[0] + ":" + head + ".");
        return;
      }
    }
    if (!ahead(head, base)) {
      customValidation(req, "No commits between " + base + " and " + head);
      return;
    }
    int n = pullNumbers.incrementAndGet();
    JsonObject pr = new JsonObject().put("number", n).put("state", "open").put("draft", body.getBoolean("draft", false))
        .put("title", body.getString("title")).put("body", body.getString("body"))
        .put("html_url", "https://github.com/" + repo + "/pull/" + n).put("merged", false).put("merged_at", (Object) null)
        .put("head", new JsonObject().put("ref", head).put("sha", branches.get(head)))
        .put("base", new JsonObject().put("ref", base).put("sha", branches.get(base)));
    pulls.put(n, pr);
    answer(req, 201, pr);
  }

  private boolean ahead(String head, String base) {
    String b = branches.get(base);
    String h = branches.get(head);
    if (h.equals(b)) {
      return false;
    }
    for (String c = h; c != null; c = commits.get(c).parent) {
      if (c.equals(b)) {
        return true;
      }
    }
    return true;
  }

  // ---- answers

  private void refuse(HttpServerRequest req, int status, String message) {
    refusals.add(status + " " + req.method() + " " + req.path() + ": " + message.replace('\n', ' '));
    answer(req, status, new JsonObject().put("message", message)
        .put("documentation_url", "https://docs.github.com/rest"));
  }

  private void validation(HttpServerRequest req, String resource, String field, String code) {
    refusals.add("422 " + req.method() + " " + req.path() + ": " + resource + "." + field + " " + code);
    answer(req, 422, new JsonObject().put("message", "Validation Failed").put("errors", new JsonArray()
        .add(new JsonObject().put("resource", resource).put("field", field).put("code", code)))
        .put("documentation_url", "https://docs.github.com/rest"));
  }

  private void customValidation(HttpServerRequest req, String message) {
    refusals.add("422 " + req.method() + " " + req.path() + ": " + message);
    answer(req, 422, new JsonObject().put("message", "Validation Failed").put("errors", new JsonArray()
        .add(new JsonObject().put("resource", "PullRequest").put("code", "custom").put("message", message)))
        .put("documentation_url", "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"));
  }

  private void answer(HttpServerRequest req, int status, JsonObject body) {
    int left = Math.max(0, remaining.decrementAndGet());
    var r = req.response().setStatusCode(status).putHeader("content-type", "application/json; charset=utf-8");
    if (r.headers().get("x-ratelimit-remaining") == null) {
      r.putHeader("x-ratelimit-limit", "5000").putHeader("x-ratelimit-remaining", String.valueOf(left))
          .putHeader("x-ratelimit-reset", String.valueOf(Instant.now().getEpochSecond() + 3600))
          .putHeader("x-ratelimit-resource", req.path().startsWith("/search") ? "code_search" : "core");
    }
    r.putHeader("x-github-api-version-selected", VERSION).end(body == null ? "" : body.encode());
  }

  private static JsonObject notFound() {
    return new JsonObject().put("message", "Not Found").put("documentation_url", "https://docs.github.com/rest");
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** Git's blob id: sha1 of "blob <length>\0<content>". */
  static String blobSha(String content) {
    byte[] c = content.getBytes(StandardCharsets.UTF_8);
    byte[] header = ("blob " + c.length + "\0").getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[header.length + c.length];
    System.arraycopy(header, 0, all, 0, header.length);
    System.arraycopy(c, 0, all, header.length, c.length);
    return sha(all);
  }

  private static String sha(String s) {
    return sha(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String sha(byte[] b) {
    try {
      StringBuilder sb = new StringBuilder();
      for (byte x : MessageDigest.getInstance("SHA-1").digest(b)) {
        sb.append(String.format("%02x", x));
      }
      return sb.toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
