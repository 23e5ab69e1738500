package io.supportpilot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.testing.TestDatabase;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

class MigrationsTest {

  @Test
  void migratesAnEmptyDatabaseAndIsANoOpTheSecondTime() {
    // Verifies that all migrations apply to an empty database, create the plan's tables, and apply nothing twice.
    String url = TestDatabase.freshDatabase("migrations");
    MigrateResult first = Migrations.migrate(url);
    assertTrue(first.migrationsExecuted >= 1, "migrations ran: " + first.migrationsExecuted);
    for (String table : new String[] {"users", "connections", "api_usage", "support_conversations",
        "support_messages", "support_error_log", "knowledge_articles", "support_patterns", "support_embeddings"}) {
      assertEquals(1, TestDatabase.queryLong(url,
          "SELECT count(*) FROM information_schema.tables WHERE table_name = '" + table + "'"), table);
    }
    for (String column : new String[] {"auto_ticket_created", "ticket_id", "user_notified", "fingerprint"}) {
      assertEquals(1, TestDatabase.queryLong(url, "SELECT count(*) FROM information_schema.columns "
          + "WHERE table_name = 'support_error_log' AND column_name = '" + column + "'"), column);
    }
    // ticket_id is a plain reference since V210: no foreign-key check on the error log's hot insert.
    assertEquals(0, TestDatabase.queryLong(url, "SELECT count(*) FROM pg_constraint "
        + "WHERE conrelid = 'support_error_log'::regclass AND contype = 'f'"));
    MigrateResult second = Migrations.migrate(url);
    assertEquals(0, second.migrationsExecuted);
  }

  @Test
  void oneOpenAutoTicketPerUserAndFingerprintIsEnforcedByTheSchema() {
    // Verifies the partial unique index: a second open ticket for the same (user, fingerprint) is refused,
    // while a resolved one does not block a new ticket.
    String url = TestDatabase.freshDatabase("tickets_unique");
    Migrations.migrate(url);
    TestDatabase.exec(url, "INSERT INTO support_conversations(id, user_id, subject, fingerprint, status) "
        + "VALUES ('a', 'u1', 's', 'fp', 'resolved'), ('b', 'u1', 's', 'fp', 'open')");
    boolean refused = false;
    try {
      TestDatabase.exec(url, "INSERT INTO support_conversations(id, user_id, subject, fingerprint) "
          + "VALUES ('c', 'u1', 's', 'fp')");
    } catch (IllegalStateException e) {
      refused = e.getCause().getMessage().contains("uq_conversations_open_fingerprint");
    }
    assertTrue(refused);
  }

  @Test
  void parsesPostgresUrlsWithoutLeakingThePassword() {
    // Verifies URL parsing and that toString masks the password.
    Migrations.PgUrl u = Migrations.PgUrl.parse("postgresql://app:p%40ss@db.local:6543/support?sslmode=disable");
    assertEquals("app", u.user());
    assertEquals("p@ss", u.password());
    assertEquals(6543, u.port());
    assertEquals("support", u.database());
    assertEquals("jdbc:postgresql://db.local:6543/support?sslmode=disable", u.jdbcUrl());
    assertTrue(!u.toString().contains("p@ss") && !u.toString().contains("p%40ss"));
  }
}
