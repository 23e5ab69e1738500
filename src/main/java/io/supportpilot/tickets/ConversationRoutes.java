package io.supportpilot.tickets;

import io.supportpilot.bus.Addresses;
import io.supportpilot.web.HttpFailure;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;

/**
 * The customer conversation API under {@code /api/support/conversations} (bearer token of the portal, checked by
 * the HTTP verticle; the user id travels in the body or, for reads, in {@code ?user_id=}). Every read and write is
 * scoped to the conversation's own user: another user's conversation answers 404. Writes publish the conversation
 * id on {@link Addresses#CONVERSATION_ACTIVITY} for the support agent.
 */
public final class ConversationRoutes {

  static final int MAX_MESSAGE = 10_000;
  static final int MAX_SUBJECT = 300;

  private final ConversationStore store;
  private final Vertx vertx;

  /** Routes over the given store. */
  public ConversationRoutes(ConversationStore store, Vertx vertx) {
    this.store = store;
    this.vertx = vertx;
  }

  /** Mounts the four routes. */
  public void mount(Router router) {
    router.post("/api/support/conversations").handler(this::create);
    router.get("/api/support/conversations/:id").handler(this::read);
    router.post("/api/support/conversations/:id/messages").handler(this::addMessage);
    router.post("/api/support/conversations/:id/rating").handler(this::rate);
  }

  private void create(RoutingContext rc) {
    JsonObject body = body(rc);
    String userId = userId(body.getValue("user_id"));
    String message = text(body, "message", MAX_MESSAGE);
    Object s = body.getValue("subject");
    String subject = s == null ? summary(message) : text(body, "subject", MAX_SUBJECT);
    String language = language(body.getValue("language"));
    store.create(userId, subject, message, language)
        .compose(c -> store.messages(c.id()).map(ms -> ConversationStore.withMessages(c, ms)))
        .onSuccess(json -> {
          vertx.eventBus().publish(Addresses.CONVERSATION_ACTIVITY, json.getString("id"));
          rc.response().setStatusCode(201).putHeader("Location", "/api/support/conversations/" + json.getString("id"));
          rc.json(json);
        })
        .onFailure(rc::fail);
  }

  private void read(RoutingContext rc) {
    String userId = userId(rc.queryParams().get("user_id"));
    String id = rc.pathParam("id");
    store.readForUser(id, userId)
        .onSuccess(rc::json)
        .onFailure(rc::fail);
  }

  private void addMessage(RoutingContext rc) {
    JsonObject body = body(rc);
    String userId = userId(body.getValue("user_id"));
    String content = text(body, "message", MAX_MESSAGE);
    String id = rc.pathParam("id");
    store.addCustomerMessage(id, userId, content)
        .onSuccess(m -> {
          vertx.eventBus().publish(Addresses.CONVERSATION_ACTIVITY, id);
          rc.response().setStatusCode(201);
          rc.json(m.toJson());
        })
        .onFailure(rc::fail);
  }

  private void rate(RoutingContext rc) {
    JsonObject body = body(rc);
    String userId = userId(body.getValue("user_id"));
    Object r = body.getValue("rating");
    if (!(r instanceof Integer) && !(r instanceof Long)) {
      throw HttpFailure.badRequest("rating must be a whole number from 1 to 5");
    }
    long rating = ((Number) r).longValue();
    if (rating < 1 || rating > 5) {
      throw HttpFailure.badRequest("rating must be from 1 to 5, got " + rating);
    }
    Object resolved = body.getValue("resolved");
    if (!(resolved instanceof Boolean)) {
      throw HttpFailure.badRequest("resolved must be true or false");
    }
    store.rate(rc.pathParam("id"), userId, (int) rating, (Boolean) resolved)
        .onSuccess(c -> rc.json(c.toJson()))
        .onFailure(rc::fail);
  }

  private static JsonObject body(RoutingContext rc) {
    String ct = rc.request().getHeader("Content-Type");
    if (ct == null || !ct.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      throw HttpFailure.unsupportedMediaType("send the body as application/json");
    }
    if (rc.body() == null || rc.body().length() == 0) {
      throw HttpFailure.badRequest("the body is empty; send a JSON object");
    }
    Object v;
    try {
      v = rc.body().buffer().toJsonValue();
    } catch (RuntimeException e) {
      throw HttpFailure.badRequest("the body is not valid JSON");
    }
    if (!(v instanceof JsonObject)) {
      throw HttpFailure.badRequest("the body must be a JSON object");
    }
    return (JsonObject) v;
  }

  static String userId(Object v) {
    if (!(v instanceof String) || ((String) v).isBlank()) {
      throw HttpFailure.badRequest("user_id is required (a non-empty string)");
    }
    String s = ((String) v).trim();
    if (s.length() > 200) {
      throw HttpFailure.badRequest("user_id is longer than 200 characters");
    }
    return s;
  }

  private static String text(JsonObject body, String field, int max) {
    Object v = body.getValue(field);
    if (!(v instanceof String) || ((String) v).isBlank()) {
      throw HttpFailure.badRequest(field + " is required (a non-empty string)");
    }
    String s = ((String) v).trim();
    if (s.length() > max) {
      throw HttpFailure.badRequest(field + " is longer than " + max + " characters");
    }
    return s;
  }

  private static String language(Object v) {
    if (v == null) {
      return null;
    }
    if (!"nl".equals(v) && !"en".equals(v)) {
      throw HttpFailure.badRequest("language must be nl or en");
    }
    return (String) v;
  }

  private static String summary(String message) {
    String line = message.strip().split("\\R", 2)[0];
    return line.length() <= 80 ? line : line.substring(0, 77) + "...";
  }
}
