package io.supportpilot.devops;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The GitHub REST calls the DevOps agent needs, always on the one configured repository: code search, file
 * contents, refs, the contents API for commits, and draft pull requests. There is deliberately no merge call and
 * no call that writes to an existing branch's ref. Sends the documented headers (bearer token,
 * {@code Accept: application/vnd.github+json}, {@code X-GitHub-Api-Version}, a User-Agent).
 */
final class GitHubClient {

  /** A GitHub answer that is not a success: status and GitHub's message. */
  static final class GitHubError extends RuntimeException {

    final int status;

    GitHubError(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /** A file at a ref: its blob sha and decoded text. */
  record FileContent(String path, String sha, String text) {
  }

  private final ApiGateway gateway;
  private final DevopsConfig.GitHub cfg;
  private final String repoUrl;

  GitHubClient(ApiGateway gateway, DevopsConfig.GitHub cfg) {
    this.gateway = gateway;
    this.cfg = cfg;
    this.repoUrl = cfg.apiUrl() + "/repos/" + cfg.repository();
  }

  /** True when a token and a repository are configured. */
  boolean configured() {
    return cfg.usable();
  }

  /** The configured {@code owner/name}. */
  String repository() {
    return cfg.repository();
  }

  /** The repository's default branch. */
  Future<String> defaultBranch() {
    return call(HttpMethod.GET, repoUrl, null).map(j -> j.getString("default_branch", "main"));
  }

  /** Code search restricted to the configured repository: up to 10 hits with path and link. */
  Future<JsonArray> searchCode(String query) {
    String q = query.replaceAll("(?i)\\b(repo|org|user):\\S+", " ").trim() + " repo:" + cfg.repository();
    return call(HttpMethod.GET, cfg.apiUrl() + "/search/code?per_page=10&q=" + enc(q), null).map(j -> {
      JsonArray out = new JsonArray();
      JsonArray items = j.getValue("items") instanceof JsonArray ? j.getJsonArray("items") : new JsonArray();
      for (Object o : items) {
        JsonObject it = (JsonObject) o;
        JsonObject repo = it.getJsonObject("repository", new JsonObject());
        // Belt and braces: a hit from another repository is never shown to the agent.
        if (repo.getString("full_name", cfg.repository()).equalsIgnoreCase(cfg.repository())) {
          out.add(new JsonObject().put("path", it.getString("path")).put("html_url", it.getString("html_url")));
        }
      }
      return out;
    });
  }

  /** A file at a ref, or empty when it does not exist there. */
  Future<Optional<FileContent>> file(String path, String ref) {
    return gateway.call(HttpMethod.GET, repoUrl + "/contents/" + encPath(path) + "?ref=" + enc(ref), headers(), null)
        .compose(r -> {
          if (r.status() == 404) {
            return Future.succeededFuture(Optional.empty());
          }
          if (!r.ok()) {
            return Future.failedFuture(new GitHubError(r.status(), r.message()));
          }
          // A directory answers with an array (json() is then empty): only files are read.
          JsonObject j = r.json();
          if (!"file".equals(j.getString("type"))) {
            return Future.failedFuture(new GitHubError(422, path + " is not a file"));
          }
          String b64 = j.getString("content", "").replaceAll("\\s", "");
          String text = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
          return Future.succeededFuture(Optional.of(new FileContent(path, j.getString("sha"), text)));
        });
  }

  /** The commit sha a branch points at. */
  Future<String> headSha(String branch) {
    return call(HttpMethod.GET, repoUrl + "/git/ref/heads/" + encPath(branch), null)
        .map(j -> j.getJsonObject("object", new JsonObject()).getString("sha"));
  }

  /** True when the branch exists and is protected. */
  Future<Boolean> isProtected(String branch) {
    return gateway.call(HttpMethod.GET, repoUrl + "/branches/" + encPath(branch), headers(), null)
        .map(r -> r.ok() && r.json().getBoolean("protected", false));
  }

  /** Creates {@code refs/heads/<branch>} at the sha; fails with 422 "Reference already exists" when it does. */
  Future<Void> createBranch(String branch, String sha) {
    return call(HttpMethod.POST, repoUrl + "/git/refs",
        new JsonObject().put("ref", "refs/heads/" + branch).put("sha", sha)).mapEmpty();
  }

  /** Creates or updates one file on a branch (one commit); {@code sha} is the current blob sha, null for new. */
  Future<String> putFile(String branch, String path, String text, String message, String sha) {
    JsonObject body = new JsonObject().put("message", message).put("branch", branch)
        .put("content", Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)));
    if (sha != null) {
      body.put("sha", sha);
    }
    return call(HttpMethod.PUT, repoUrl + "/contents/" + encPath(path), body)
        .map(j -> j.getJsonObject("commit", new JsonObject()).getString("sha"));
  }

  /** Opens a draft pull request; returns GitHub's pull request object. */
  Future<JsonObject> createDraftPull(String title, String body, String head, String base) {
    return call(HttpMethod.POST, repoUrl + "/pulls", new JsonObject().put("title", title).put("body", body)
        .put("head", head).put("base", base).put("draft", true).put("maintainer_can_modify", true));
  }

  /** One pull request (state, merged, merged_at). */
  Future<JsonObject> pull(int number) {
    return call(HttpMethod.GET, repoUrl + "/pulls/" + number, null);
  }

  private Future<JsonObject> call(HttpMethod method, String url, JsonObject body) {
    return gateway.call(method, url, headers(), body).compose(r -> r.ok() ? Future.succeededFuture(r.json())
        : Future.failedFuture(new GitHubError(r.status(), "GitHub answered " + r.status() + ": " + detail(r))));
  }

  /** GitHub's message plus the first validation error's message (where "No commits between" hides). */
  private static String detail(ApiGateway.Response r) {
    JsonObject j = r.json();
    String m = j.getString("message", "");
    if (j.getValue("errors") instanceof JsonArray && !j.getJsonArray("errors").isEmpty()
        && j.getJsonArray("errors").getValue(0) instanceof JsonObject) {
      String inner = j.getJsonArray("errors").getJsonObject(0).getString("message");
      if (inner != null) {
        m = m + " (" + inner + ")";
      }
    }
    return m.length() > 300 ? m.substring(0, 300) : m;
  }

  private MultiMap headers() {
    return MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + cfg.token().orElse(""))
        .add("Accept", "application/vnd.github+json").add("X-GitHub-Api-Version", cfg.apiVersion())
        .add("User-Agent", "supportpilot-devops");
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String encPath(String path) {
    StringBuilder sb = new StringBuilder();
    for (String part : path.split("/")) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(enc(part));
    }
    return sb.toString();
  }
}
