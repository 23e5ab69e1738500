package io.supportpilot.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.supportpilot.Engine;
import io.supportpilot.testing.Http;
import io.supportpilot.testing.TestDatabase;
import io.supportpilot.testing.TestEngine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GeneratedAdminTokenTest {

  @Test
  void withoutAdminTokenOneIsGeneratedPrintedOnceStoredHashedAndKeptAcrossRestarts() {
    // Verifies that admin endpoints are never open by default: a token is generated at first start, printed
    // once, stored only as a hash, accepted after a restart, and not printed again.
    String url = TestDatabase.freshDatabase("admintoken");
    Map<String, String> env = TestEngine.env(url);
    env.remove("ADMIN_TOKEN");
    Engine[] first0 = new Engine[1];
    String first = captureStdout(() -> first0[0] = TestEngine.start(env));
    first0[0].stop();
    Matcher m = Pattern.compile("(spa_[A-Za-z0-9_-]{20,})").matcher(first);
    assertTrue(m.find(), "token printed: " + first);
    String token = m.group(1);
    assertEquals(0, TestDatabase.queryLong(url, "SELECT count(*) FROM app_settings WHERE value = '" + token + "'"));
    assertEquals(1, TestDatabase.queryLong(url, "SELECT count(*) FROM app_settings WHERE key = 'admin_token_sha256'"));
    Engine[] second = new Engine[1];
    String again = captureStdout(() -> second[0] = TestEngine.start(env));
    try {
      assertFalse(again.contains("spa_"), "printed only once");
      assertEquals(401, Http.get(second[0].port(), "/api/admin/config").statusCode());
      assertEquals(200, Http.get(second[0].port(), "/api/admin/config", "Authorization", "Bearer " + token)
          .statusCode());
    } finally {
      second[0].stop();
    }
  }

  private static String captureStdout(Runnable r) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
