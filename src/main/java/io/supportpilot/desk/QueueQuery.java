package io.supportpilot.desk;

import io.supportpilot.web.HttpFailure;
import io.vertx.core.MultiMap;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The queue's list request: filters, sort and a keyset cursor turned into one SQL statement. Every sort ends with
 * the id, and the cursor carries the last row's sort value and id, so a page costs an index range scan whatever
 * the page number.
 */
final class QueueQuery {

  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 200;
  private static final Set<String> SORTS = Set.of("updated_at", "-updated_at", "created_at", "-created_at");
  private static final Set<String> HANDLERS = Set.of("ai", "human", "system", "devops");
  private static final Set<String> PRIORITIES = Set.of("low", "normal", "high", "urgent");
  private static final Pattern DURATION = Pattern.compile("(\\d{1,6})(s|m|h|d)");
  static final String COLUMNS = "id, user_id, subject, status, priority, category, handled_by, assigned_to, language, "
      + "created_at, updated_at, version, waiting_since";

  final String sql;
  final Tuple args;
  final int limit;
  final String sort;

  private QueueQuery(String sql, Tuple args, int limit, String sort) {
    this.sql = sql;
    this.args = args;
    this.limit = limit;
    this.sort = sort;
  }

  /** Parses and validates the query string; 400 names the first bad parameter. */
  static QueueQuery parse(MultiMap q, Instant now) {
    List<String> where = new ArrayList<>();
    List<Object> args = new ArrayList<>();
    String status = q.get("status");
    if (status != null && !status.isEmpty()) {
      List<String> statuses = List.of(status.split(","));
      for (String s : statuses) {
        if (!StatusTransitions.ALL.contains(s)) {
          throw HttpFailure.badRequest("status must be one or more of " + String.join(", ",
              new TreeSet<>(StatusTransitions.ALL)) + " (comma-separated), got '" + s + "'");
        }
      }
      if (statuses.size() == 1) {
        args.add(statuses.get(0));
        where.add("status = $" + args.size());
      } else {
        args.add(statuses.toArray(new String[0]));
        where.add("status = ANY($" + args.size() + ")");
      }
    }
    equal(q, "handled_by", HANDLERS, where, args);
    equal(q, "priority", PRIORITIES, where, args);
    equal(q, "language", Set.of("nl", "en"), where, args);
    free(q, "category", 50, where, args);
    free(q, "user_id", 200, where, args);
    String assigned = q.get("assigned_to");
    if (assigned != null && !assigned.isEmpty()) {
      if ("none".equals(assigned)) {
        where.add("assigned_to IS NULL");
      } else {
        free(q, "assigned_to", 64, where, args);
      }
    }
    time(q, "created_after", "created_at >", where, args);
    time(q, "created_before", "created_at <", where, args);
    time(q, "updated_after", "updated_at >", where, args);
    time(q, "updated_before", "updated_at <", where, args);
    String waiting = q.get("waiting_longer_than");
    if (waiting != null && !waiting.isEmpty()) {
      Duration d = duration(waiting);
      args.add(OffsetDateTime.ofInstant(now.minus(d), ZoneOffset.UTC));
      where.add("waiting_since <= $" + args.size());
    }
    String sort = q.get("sort") == null || q.get("sort").isEmpty() ? "-updated_at" : q.get("sort");
    if (!SORTS.contains(sort)) {
      throw HttpFailure.badRequest("sort must be one of updated_at, -updated_at, created_at, -created_at");
    }
    boolean desc = sort.startsWith("-");
    String column = desc ? sort.substring(1) : sort;
    int limit = DEFAULT_LIMIT;
    if (q.get("limit") != null) {
      try {
        limit = Integer.parseInt(q.get("limit"));
      } catch (NumberFormatException e) {
        throw HttpFailure.badRequest("limit must be a whole number from 1 to " + MAX_LIMIT);
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        throw HttpFailure.badRequest("limit must be from 1 to " + MAX_LIMIT + ", got " + limit);
      }
    }
    String cursor = q.get("cursor");
    if (cursor != null && !cursor.isEmpty()) {
      Cursor c = Cursor.decode(cursor);
      if (!c.sort.equals(sort)) {
        throw HttpFailure.badRequest("the cursor belongs to sort " + c.sort + "; start again without a cursor");
      }
      args.add(c.value);
      args.add(c.id);
      where.add("(" + column + ", id) " + (desc ? "<" : ">") + " ($" + (args.size() - 1) + ", $" + args.size() + ")");
    }
    args.add(limit + 1);
    String dir = desc ? " DESC" : "";
    String sql = "SELECT " + COLUMNS + " FROM support_conversations"
        + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
        + " ORDER BY " + column + dir + ", id" + dir + " LIMIT $" + args.size();
    return new QueueQuery(sql, Tuple.tuple(args), limit, sort);
  }

  /** The sort column of this query. */
  String column() {
    return sort.startsWith("-") ? sort.substring(1) : sort;
  }

  private static void equal(MultiMap q, String name, Set<String> allowed, List<String> where, List<Object> args) {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      return;
    }
    if (!allowed.contains(v)) {
      throw HttpFailure.badRequest(name + " must be one of " + String.join(", ", new TreeSet<>(allowed))
          + ", got '" + v + "'");
    }
    args.add(v);
    where.add(name + " = $" + args.size());
  }

  private static void free(MultiMap q, String name, int max, List<String> where, List<Object> args) {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      return;
    }
    if (v.length() > max) {
      throw HttpFailure.badRequest(name + " is longer than " + max + " characters");
    }
    args.add(v);
    where.add(name + " = $" + args.size());
  }

  private static void time(MultiMap q, String name, String condition, List<String> where, List<Object> args) {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      return;
    }
    args.add(instant(name, v));
    where.add(condition + " $" + args.size());
  }

  static OffsetDateTime instant(String name, String v) {
    try {
      return OffsetDateTime.parse(v).withOffsetSameInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw HttpFailure.badRequest(name + " must be an ISO-8601 time such as 2026-01-31T12:00:00Z, got '" + v + "'");
    }
  }

  /** A duration such as 90s, 30m, 4h or 2d. */
  static Duration duration(String v) {
    Matcher m = DURATION.matcher(v);
    if (!m.matches()) {
      throw HttpFailure.badRequest("waiting_longer_than must be a duration such as 30m, 4h or 2d, got '" + v + "'");
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "s": return Duration.ofSeconds(n);
      case "m": return Duration.ofMinutes(n);
      case "h": return Duration.ofHours(n);
      default: return Duration.ofDays(n);
    }
  }

  /** The position after the last row of a page: sort, the row's sort value and id, as opaque base64url. */
  record Cursor(String sort, OffsetDateTime value, String id) {

    String encode() {
      String raw = sort + "|" + value.toInstant() + "|" + id;
      return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static Cursor decode(String s) {
      try {
        String raw = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
        String[] parts = raw.split("\\|", 3);
        if (parts.length != 3 || !SORTS.contains(parts[0])) {
          throw new IllegalArgumentException();
        }
        return new Cursor(parts[0], OffsetDateTime.ofInstant(Instant.parse(parts[1]), ZoneOffset.UTC), parts[2]);
      } catch (RuntimeException e) {
        throw HttpFailure.badRequest("cursor is not a cursor this API handed out");
      }
    }
  }
}
