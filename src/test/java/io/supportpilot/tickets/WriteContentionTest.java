package io.supportpilot.tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.store.Migrations;
import io.supportpilot.testing.TestDatabase;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The database side of the write paths that run per error or per answer under a storm: desk counters must not make
 * concurrent transactions wait for each other, and an auto-ticket's occurrence update without a message must be an
 * in-place (HOT) update that fires no desk trigger. Checked on a real Postgres with the engine's migrations.
 */
@Timeout(120)
class WriteContentionTest {

  static String db;

  @BeforeAll
  static void migrate() {
    db = TestDatabase.freshDatabase("contention");
    Migrations.migrate(db);
  }

  // Verifies that two open transactions on different connections bump the same counter in the same minute without
  // the second waiting for the first one's commit (it used to wait on the one counter row), and that the counter
  // reads as the sum of both once they commit.
  @Test
  void concurrentTransactionsBumpOneCounterWithoutWaiting() throws Exception {
    List<Connection> open = new ArrayList<>();
    try {
      Connection a = TestDatabase.connect(db);
      open.add(a);
      Connection b = null;
      // Counters are sharded by backend pid modulo 16: take a second connection that lands on another shard.
      for (int i = 0; i < 40 && b == null; i++) {
        Connection c = TestDatabase.connect(db);
        open.add(c);
        if (pid(c) % 16 != pid(a) % 16) {
          b = c;
        }
      }
      assertTrue(b != null, "a connection on another shard");
      a.setAutoCommit(false);
      b.setAutoCommit(false);
      Timestamp minute = Timestamp.from(Instant.parse("2026-11-30T10:15:30Z"));
      bump(a, minute);
      try (Statement s = b.createStatement()) {
        s.execute("SET LOCAL lock_timeout = '2s'");
      }
      bump(b, minute); // fails with a lock timeout if it waits for a's uncommitted counter row
      a.commit();
      b.commit();
      assertEquals(2, TestDatabase.queryLong(db, "SELECT sum(value) FROM desk_rollup WHERE metric = 'contention_test'"));
      assertEquals(2, TestDatabase.queryLong(db, "SELECT sum(value) FROM desk_rollup_hour "
          + "WHERE metric = 'contention_test'"));
    } finally {
      for (Connection c : open) {
        c.close();
      }
    }
  }

  // Verifies that the auto-ticket update without an "occurred again" message adds to the count and moves last seen,
  // but leaves updated_at, version, the sample and the desk counters alone and is applied in place (HOT); and that
  // with a message it refreshes the sample and updated_at.
  @Test
  void anOccurrenceUpdateWithoutMessageIsInPlace() throws Exception {
    TestDatabase.exec(db, "INSERT INTO support_conversations (id, user_id, subject, status, auto_created, fingerprint,"
        + " error_type, occurrence_count, last_seen_at, last_error_sample, created_at, updated_at) VALUES ('hot-1',"
        + " 'u-hot', 'ExactApiError: 502', 'open', TRUE, 'fp-hot', 'ExactApiError', 1, '2026-11-30T10:00:00Z',"
        + " '{\"event_id\": \"e1\"}', '2026-11-30T10:00:00Z', '2026-11-30T10:00:00Z')");
    long rollups = TestDatabase.queryLong(db, "SELECT count(*) FROM desk_rollup");
    try (Connection c = TestDatabase.connect(db)) {
      c.setAutoCommit(false);
      update(c, 3, "2026-11-30T10:05:00Z", "{\"event_id\": \"e4\"}", false);
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT n_tup_upd, n_tup_hot_upd FROM "
          + "pg_stat_xact_user_tables WHERE relname = 'support_conversations'")) {
        assertTrue(rs.next());
        assertEquals(1, rs.getLong(1));
        assertEquals(1, rs.getLong(2), "the update is HOT: no index entry written");
      }
      c.commit();
    }
    try (Connection c = TestDatabase.connect(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT occurrence_count, last_seen_at, updated_at, version, last_error_sample->>'event_id' "
            + "FROM support_conversations WHERE id = 'hot-1'")) {
      assertTrue(rs.next());
      assertEquals(4, rs.getInt(1));
      assertEquals(Instant.parse("2026-11-30T10:05:00Z"), rs.getTimestamp(2).toInstant());
      assertEquals(Instant.parse("2026-11-30T10:00:00Z"), rs.getTimestamp(3).toInstant(), "updated_at unchanged");
      assertEquals(0, rs.getLong(4), "version unchanged");
      assertEquals("e1", rs.getString(5), "the sample moves with the message");
    }
    assertEquals(rollups, TestDatabase.queryLong(db, "SELECT count(*) FROM desk_rollup"));

    try (Connection c = TestDatabase.connect(db)) {
      update(c, 1, "2026-11-30T10:06:00Z", "{\"event_id\": \"e5\"}", true);
    }
    try (Connection c = TestDatabase.connect(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT occurrence_count, updated_at > '2026-11-30T10:00:00Z', last_error_sample->>'event_id', "
            + "last_context_message_at IS NOT NULL FROM support_conversations WHERE id = 'hot-1'")) {
      assertTrue(rs.next());
      assertEquals(5, rs.getInt(1));
      assertTrue(rs.getBoolean(2), "updated_at moves with the message");
      assertEquals("e5", rs.getString(3));
      assertTrue(rs.getBoolean(4));
    }
  }

  // Verifies the first-response histogram labels of the PL/pgSQL desk_frt_label (V180) against the bounds the
  // dashboard reads: the smallest bound at or above the delay, 'frt_le_inf' beyond the last one or without a delay.
  @Test
  void firstResponseLabelsKeepTheirBounds() {
    String[][] cases = {{"0", "frt_le_1000"}, {"1000", "frt_le_1000"}, {"1001", "frt_le_5000"},
        {"299999", "frt_le_300000"}, {"86400000", "frt_le_86400000"}, {"86400001", "frt_le_inf"}, {"NULL", "frt_le_inf"}};
    for (String[] c : cases) {
      try (Connection conn = TestDatabase.connect(db); Statement s = conn.createStatement();
          ResultSet rs = s.executeQuery("SELECT desk_frt_label(" + c[0] + "::bigint)")) {
        assertTrue(rs.next());
        assertEquals(c[1], rs.getString(1), "label of " + c[0]);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static int pid(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static void bump(Connection c, Timestamp at) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT desk_bump('contention_test', ?, 1)")) {
      ps.setTimestamp(1, at);
      ps.execute();
    }
  }

  private static void update(Connection c, int n, String seen, String sample, boolean message) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(AutoTicketStore.UPDATE.replaceAll("\\$\\d", "?"))) {
      ps.setArray(1, c.createArrayOf("text", new Object[] {"hot-1"}));
      ps.setArray(2, c.createArrayOf("int4", new Object[] {n}));
      Array seenAt = c.createArrayOf("timestamptz", new Object[] {Timestamp.from(Instant.parse(seen))});
      ps.setArray(3, seenAt);
      ps.setArray(4, c.createArrayOf("text", new Object[] {message ? sample : null}));
      ps.setArray(5, c.createArrayOf("bool", new Object[] {message}));
      ps.execute();
    }
  }
}
