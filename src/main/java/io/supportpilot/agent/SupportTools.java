package io.supportpilot.agent;

import io.supportpilot.bus.ActiveSpikes;
import io.supportpilot.bus.Addresses;
import io.supportpilot.bus.SpikeSummary;
import io.supportpilot.tickets.ConversationStore;
import io.supportpilot.triage.Triage;
import io.supportpilot.triage.TriageDecision;
import io.supportpilot.triage.TriageQuery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The support agent's seven tools against the real store. Every tool acts on the {@link Scope}'s user only: an id
 * of another user or connection in the model's input is refused, so an instruction in a customer message cannot
 * reach another account.
 */
final class SupportTools {

  /** Whose conversation a run is about; fixed by the agent, never by the model. */
  record Scope(String conversationId, String userId, String language, String errorType) {
  }

  /** What the tools did during one run. */
  static final class RunState {
    boolean responded;
    boolean escalated;
    String escalation = "none";
    String text;
    final List<String> toolsUsed = new ArrayList<>();
  }

  private final Vertx vertx;
  private final Pool pool;
  private final Clock clock;
  private final Supplier<Optional<Triage>> triageService;
  private final Supplier<Optional<ActiveSpikes>> activeSpikes;
  private final ConversationStore store;
  private final ReauthMailer mailer;
  private final String publicBaseUrl;

  SupportTools(Vertx vertx, Pool pool, Clock clock, Supplier<Optional<Triage>> triageService,
      Supplier<Optional<ActiveSpikes>> activeSpikes, ConversationStore store, ReauthMailer mailer,
      String publicBaseUrl) {
    this.vertx = vertx;
    this.pool = pool;
    this.clock = clock;
    this.triageService = triageService;
    this.activeSpikes = activeSpikes;
    this.store = store;
    this.mailer = mailer;
    this.publicBaseUrl = publicBaseUrl;
  }

  /** The tool definitions sent to Claude: name, description and a JSON-schema object per tool. */
  static JsonArray definitions() {
    return new JsonArray()
        .add(tool("search_docs", "Search the knowledge base (hybrid semantic and keyword search) for articles that "
            + "answer the customer's question. Returns titles, links and excerpts in the customer's language.",
            props().put("query", str("What to search for, in the customer's words")), "query"))
        .add(tool("get_customer_status", "The customer's Exact Online connections (status, token expiry) and their "
            + "API usage over the last 7 days. Always about the customer of this conversation.", props()))
        .add(tool("get_customer_errors", "The customer's recent errors from the error log, newest first.",
            props().put("limit", new JsonObject().put("type", "integer").put("minimum", 1).put("maximum", 50)
                .put("description", "How many errors (default 10)"))
                .put("since_hours", new JsonObject().put("type", "integer").put("minimum", 1).put("maximum", 720)
                    .put("description", "How far back (default 168)"))))
        .add(tool("check_known_issues", "Check known issue patterns, and whether an error this customer hit recently "
            + "is part of an active error spike. Without arguments it checks the customer's own recent errors.",
            props().put("error_code", str("An error code, if known")).put("error_type", str("An error type, if known"))
                .put("text", str("Words from the question to match against known patterns"))))
        .add(tool("trigger_reauth", "Send the customer an e-mail with a fresh link to re-authorise their Exact Online "
            + "connection. At most once per connection per day.",
            props().put("connection_id", str("The connection to re-authorise; default: the customer's connection "
                + "that needs it"))))
        .add(tool("escalate_to_devops", "Create a task for the DevOps team when the problem is a bug or outage on "
            + "our side that the customer cannot fix.",
            props().put("summary", str("What is wrong, for an engineer"))
                .put("severity", new JsonObject().put("type", "string")
                    .put("enum", new JsonArray().add("low").add("normal").add("high").add("urgent"))), "summary"))
        .add(tool("respond_to_customer", "Send the final answer to the customer (in their language) and set the "
            + "conversation's status. Call it exactly once, at the end.",
            props().put("message", str("The answer, with article links and the steps for their account"))
                .put("status", new JsonObject().put("type", "string")
                    .put("enum", new JsonArray().add("waiting_customer").add("resolved").add("escalated"))
                    .put("description", "waiting_customer (default): answered, waiting for the customer")), "message"));
  }

  private static JsonObject tool(String name, String description, JsonObject properties, String... required) {
    JsonObject schema = new JsonObject().put("type", "object").put("properties", properties)
        .put("additionalProperties", false);
    if (required.length > 0) {
      schema.put("required", new JsonArray(List.of((Object[]) required)));
    }
    return new JsonObject().put("name", name).put("description", description).put("input_schema", schema);
  }

  private static JsonObject props() {
    return new JsonObject();
  }

  private static JsonObject str(String description) {
    return new JsonObject().put("type", "string").put("description", description);
  }

  /** Runs one tool; a failed future becomes an {@code is_error} tool_result with its message. */
  Future<JsonObject> execute(String name, JsonObject input, Scope scope, RunState state, JsonObject replyMeta) {
    state.toolsUsed.add(name);
    switch (name) {
      case "search_docs": return searchDocs(input, scope);
      case "get_customer_status": return customerStatus(scope);
      case "get_customer_errors": return customerErrors(input, scope);
      case "check_known_issues": return knownIssues(input, scope);
      case "trigger_reauth": return triggerReauth(input, scope);
      case "escalate_to_devops": return escalate(input, scope, state);
      case "respond_to_customer": return respond(input, scope, state, replyMeta);
      default: return Future.failedFuture(new ToolError("unknown tool " + name));
    }
  }

  /** A tool failure the model may see (no internals, no other customers' data). */
  static final class ToolError extends RuntimeException {
    ToolError(String message) {
      super(message, null, false, false);
    }
  }

  private Future<JsonObject> searchDocs(JsonObject input, Scope scope) {
    String query = input.getValue("query") instanceof String ? input.getString("query").trim() : "";
    if (query.isEmpty()) {
      return Future.failedFuture(new ToolError("query is required"));
    }
    Triage triage = triageService.get().orElse(null);
    if (triage == null) {
      return Future.failedFuture(new ToolError("the knowledge base search is not available right now"));
    }
    return triage.triage(new TriageQuery(scope.userId(), scope.language(), null, query, null))
        .map(d -> new JsonObject().put("articles", articles(d, 5, 800)));
  }

  JsonArray articles(TriageDecision d, int max, int excerpt) {
    JsonArray arr = new JsonArray();
    if (d.articles() == null) {
      return arr;
    }
    d.articles().stream().limit(max).forEach(a -> arr.add(new JsonObject().put("slug", a.slug())
        .put("title", a.title()).put("url", articleUrl(a.slug())).put("score", Math.round(a.score() * 1000) / 1000.0)
        .put("excerpt", a.content() == null ? "" : a.content().length() <= excerpt ? a.content()
            : a.content().substring(0, excerpt) + "...")));
    return arr;
  }

  String articleUrl(String slug) {
    return publicBaseUrl + "/kb/" + slug;
  }

  Future<JsonObject> customerStatus(Scope scope) {
    Instant now = clock.instant();
    OffsetDateTime since = OffsetDateTime.ofInstant(now.minus(Duration.ofDays(7)), ZoneOffset.UTC);
    Future<JsonArray> connections = pool.preparedQuery("SELECT id, provider, division, status, token_expires_at, "
        + "access_token_expires_at, last_refresh_at FROM connections WHERE user_id = $1 ORDER BY created_at")
        .execute(Tuple.of(scope.userId()))
        .map(rows -> {
          JsonArray arr = new JsonArray();
          for (Row r : rows) {
            OffsetDateTime exp = r.getOffsetDateTime("token_expires_at");
            JsonObject c = new JsonObject().put("connection_id", r.getString("id")).put("provider", r.getString("provider"))
                .put("division", r.getString("division")).put("status", r.getString("status"))
                .put("token_expires_at", exp == null ? null : exp.toInstant().toString())
                .put("last_refresh_at", r.getOffsetDateTime("last_refresh_at") == null ? null
                    : r.getOffsetDateTime("last_refresh_at").toInstant().toString());
            if (exp != null) {
              c.put("days_until_token_expiry", Duration.between(now, exp.toInstant()).toHours() / 24.0);
            }
            arr.add(c);
          }
          return arr;
        });
    // From the hourly rollup (the raw calls have no per-user index): 7 days counted from the start of the hour.
    Future<JsonObject> usage = pool.preparedQuery("SELECT COALESCE(sum(calls), 0)::bigint, "
        + "COALESCE(sum(errors), 0)::bigint, (SELECT last_at FROM usage_activity WHERE user_id = $1 AND last_at >= $2) "
        + "FROM api_usage_hourly WHERE user_id = $1 AND hour >= date_trunc('hour', $2::timestamptz, 'UTC')")
        .execute(Tuple.of(scope.userId(), since))
        .map(rows -> {
          Row r = rows.iterator().next();
          OffsetDateTime last = r.getOffsetDateTime(2);
          return new JsonObject().put("calls_7d", r.getLong(0)).put("failed_calls_7d", r.getLong(1))
              .put("last_call_at", last == null ? null : last.toInstant().toString());
        });
    Future<JsonObject> user = pool.preparedQuery("SELECT plan, language FROM users WHERE id = $1")
        .execute(Tuple.of(scope.userId()))
        .map(rows -> rows.size() == 0 ? new JsonObject().put("known_user", false)
            : new JsonObject().put("plan", rows.iterator().next().getString(0))
                .put("language", rows.iterator().next().getString(1)));
    return Future.all(connections, usage, user).map(x -> new JsonObject().put("user", user.result())
        .put("connections", connections.result()).put("api_usage", usage.result())
        .put("now", now.toString()));
  }

  Future<JsonObject> customerErrors(JsonObject input, Scope scope) {
    int limit = intArg(input, "limit", 10, 1, 50);
    int hours = intArg(input, "since_hours", 168, 1, 720);
    OffsetDateTime since = OffsetDateTime.ofInstant(clock.instant().minus(Duration.ofHours(hours)), ZoneOffset.UTC);
    return pool.preparedQuery("SELECT occurred_at, error_type, error_code, status_code, tool, message, connection_id "
        + "FROM support_error_log WHERE user_id = $1 AND occurred_at >= $2 ORDER BY occurred_at DESC LIMIT $3")
        .execute(Tuple.of(scope.userId(), since, limit))
        .map(rows -> {
          JsonArray arr = new JsonArray();
          for (Row r : rows) {
            String msg = r.getString("message");
            arr.add(new JsonObject().put("occurred_at", r.getOffsetDateTime("occurred_at").toInstant().toString())
                .put("error_type", r.getString("error_type")).put("error_code", r.getString("error_code"))
                .put("status_code", r.getInteger("status_code")).put("tool", r.getString("tool"))
                .put("connection_id", r.getString("connection_id"))
                .put("message", msg == null ? null : msg.length() > 300 ? msg.substring(0, 300) + "..." : msg));
          }
          return new JsonObject().put("errors", arr).put("since_hours", hours);
        });
  }

  /**
   * Known issue patterns that match the customer's own recent errors (codes and types), the given code or type, or
   * the given text (through the knowledge index's own pattern matcher: regex, stemmed keywords, error codes), and
   * the active spikes of error types this customer hit recently. Never other customers' data: no spike of a type
   * the customer did not hit, and no counts.
   */
  Future<JsonObject> knownIssues(JsonObject input, Scope scope) {
    String code = input.getValue("error_code") instanceof String ? input.getString("error_code") : null;
    String type = input.getValue("error_type") instanceof String ? input.getString("error_type") : null;
    String text = input.getValue("text") instanceof String ? input.getString("text").strip() : "";
    OffsetDateTime since = OffsetDateTime.ofInstant(clock.instant().minus(Duration.ofDays(7)), ZoneOffset.UTC);
    Future<List<String[]>> recent = scope.userId() == null ? Future.succeededFuture(List.of())
        : pool.preparedQuery("SELECT DISTINCT error_type, error_code FROM support_error_log "
            + "WHERE user_id = $1 AND occurred_at >= $2 LIMIT 50")
        .execute(Tuple.of(scope.userId(), since))
        .map(rows -> {
          List<String[]> l = new ArrayList<>();
          rows.forEach(r -> l.add(new String[] {r.getString(0), r.getString(1)}));
          return l;
        });
    Triage triage = triageService.get().orElse(null);
    Future<List<TriageDecision.PatternMatch>> byText = text.isEmpty() || triage == null
        ? Future.succeededFuture(List.of())
        : triage.triage(new TriageQuery(scope.userId(), scope.language(), null, text, code))
            .map(d -> d.patterns() == null ? List.<TriageDecision.PatternMatch>of() : d.patterns());
    return Future.all(recent, byText).compose(all -> {
      List<String[]> errs = recent.result();
      Set<String> ownTypes = new LinkedHashSet<>();
      Set<String> codes = new LinkedHashSet<>();
      if (scope.errorType() != null) {
        ownTypes.add(scope.errorType());
      }
      for (String[] e : errs) {
        if (e[0] != null) {
          ownTypes.add(e[0]);
        }
        if (e[1] != null) {
          codes.add(e[1]);
        }
      }
      Set<String> types = new LinkedHashSet<>(ownTypes);
      if (type != null) {
        types.add(type);
      }
      if (code != null) {
        codes.add(code);
      }
      Map<String, List<String>> textHits = new LinkedHashMap<>();
      for (TriageDecision.PatternMatch m : byText.result()) {
        textHits.put(m.id(), new ArrayList<>(List.of("text")));
      }
      return pool.query("SELECT id, name, error_codes, error_types, article_slug FROM support_patterns "
          + "WHERE active").execute().map(rows -> {
            JsonArray matches = new JsonArray();
            for (Row r : rows) {
              List<String> why = new ArrayList<>(textHits.getOrDefault(r.getString("id"), List.of()));
              for (String c : r.getArrayOfStrings("error_codes")) {
                if (codes.contains(c)) {
                  why.add("error code " + c);
                }
              }
              for (String t : r.getArrayOfStrings("error_types")) {
                if (types.contains(t)) {
                  why.add("error type " + t);
                }
              }
              if (!why.isEmpty()) {
                String slug = r.getString("article_slug");
                matches.add(new JsonObject().put("pattern", r.getString("name")).put("matched_on", new JsonArray(why))
                    .put("article_url", slug == null ? null : articleUrl(slug)));
              }
            }
            JsonArray spikes = new JsonArray();
            activeSpikes.get().ifPresent(s -> {
              for (SpikeSummary sp : s.active()) {
                // Only what concerns this customer's own errors, and no counts of other customers' errors.
                if (ownTypes.contains(sp.errorType())) {
                  spikes.add(new JsonObject().put("error_type", sp.errorType())
                      .put("started_at", sp.startedAt() == null ? null : sp.startedAt().toString())
                      .put("affects_this_customer", true));
                }
              }
            });
            return new JsonObject().put("known_patterns", matches).put("active_spikes", spikes)
                .put("spike_feed_available", activeSpikes.get().isPresent());
          });
    });
  }

  private Future<JsonObject> triggerReauth(JsonObject input, Scope scope) {
    String wanted = input.getValue("connection_id") instanceof String ? input.getString("connection_id") : null;
    return pool.preparedQuery("SELECT c.id, c.status, c.token_expires_at, u.email FROM connections c "
        + "JOIN users u ON u.id = c.user_id WHERE c.user_id = $1 ORDER BY "
        + "CASE WHEN c.status IN ('expired', 'revoked', 'error', 'expiring') THEN 0 ELSE 1 END, c.token_expires_at")
        .execute(Tuple.of(scope.userId()))
        .compose(rows -> {
          Row pick = null;
          for (Row r : rows) {
            if (wanted == null ? pick == null : wanted.equals(r.getString("id"))) {
              pick = r;
            }
          }
          if (pick == null) {
            return Future.failedFuture(new ToolError(wanted == null ? "this customer has no connection"
                : "connection " + wanted + " does not belong to this customer; nothing was sent"));
          }
          String email = pick.getString("email");
          if (email == null || !email.contains("@")) {
            return Future.failedFuture(new ToolError("there is no e-mail address on file for this customer"));
          }
          return mailer.send(scope.userId(), email, pick.getString("id"), scope.conversationId(), scope.language());
        });
  }

  /** Re-sends outbox e-mails that the mail server did not take (a few attempts, at most 50 per scan). */
  Future<Integer> retryMail() {
    return mailer.retryFailed(50);
  }

  private Future<JsonObject> escalate(JsonObject input, Scope scope, RunState state) {
    String summary = input.getValue("summary") instanceof String ? input.getString("summary").trim() : "";
    if (summary.isEmpty()) {
      return Future.failedFuture(new ToolError("summary is required"));
    }
    String severity = input.getValue("severity") instanceof String
        && Set.of("low", "normal", "high", "urgent").contains(input.getString("severity"))
        ? input.getString("severity") : "normal";
    String id = UUID.randomUUID().toString();
    JsonObject details = new JsonObject().put("summary", summary).put("severity", severity)
        .put("user_id", scope.userId()).put("conversation_id", scope.conversationId()).put("source", "support_agent");
    return pool.preparedQuery("INSERT INTO devops_tasks (id, type, error_type, conversation_id, details, created_at, "
        + "updated_at) VALUES ($1, 'support_escalation', $2, $3, $4, $5, $5)")
        .execute(Tuple.of(id, scope.errorType(), scope.conversationId(), details, store.now()))
        .map(r -> {
          state.escalated = true;
          state.escalation = "devops";
          vertx.eventBus().publish(Addresses.DEVOPS_TASKS, new JsonObject().put("id", id)
              .put("type", "support_escalation").put("error_type", scope.errorType()).put("details", details));
          return new JsonObject().put("status", "created").put("task_id", id);
        });
  }

  private Future<JsonObject> respond(JsonObject input, Scope scope, RunState state, JsonObject replyMeta) {
    String message = input.getValue("message") instanceof String ? input.getString("message").trim() : "";
    if (message.isEmpty()) {
      return Future.failedFuture(new ToolError("message is required"));
    }
    if (state.responded) {
      return Future.failedFuture(new ToolError("the customer already got an answer in this run"));
    }
    String status = input.getValue("status") instanceof String ? input.getString("status") : "waiting_customer";
    if (!Set.of("waiting_customer", "resolved", "escalated").contains(status)) {
      return Future.failedFuture(new ToolError("status must be waiting_customer, resolved or escalated"));
    }
    if (state.escalated) {
      status = "escalated";
    }
    String handledBy = "escalated".equals(status) ? ("devops".equals(state.escalation) ? "devops" : "human") : "ai";
    JsonObject meta = replyMeta.copy().put("tools", new JsonArray(new ArrayList<>(state.toolsUsed)));
    String finalStatus = status;
    return store.reply(scope.conversationId(), "agent", message, meta, status, handledBy,
            "waiting_customer".equals(status))
        .map(m -> {
          state.responded = true;
          state.text = message;
          return m;
        })
        .map(m -> new JsonObject().put("status", "sent").put("conversation_status", finalStatus));
  }

  private static int intArg(JsonObject input, String name, int dflt, int min, int max) {
    Object v = input.getValue(name);
    if (!(v instanceof Number)) {
      return dflt;
    }
    return (int) Math.max(min, Math.min(max, ((Number) v).longValue()));
  }
}
