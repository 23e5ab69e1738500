package io.supportpilot.devops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** What the redactor masks before anything reaches a prompt, a pull request, Slack or a log. */
class RedactorTest {

  // Verifies that token-shaped strings are masked wherever they appear in text, and plain text is left alone.
  @Test
  void tokenShapedStringsAreMasked() {
    String[] secrets = {"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
        "token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
        "key sk-ant-api03-abcdefghijkl", "xoxb-1234567890-abcdefghij", "https://hooks.slack.com/services/T1/B2/xyz",
        "AKIAABCDEFGHIJKLMNOP", "postgresql://app:s3cr3t@db:5432/app", "GET /cb?code=abc123&state=x",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"};
    for (String s : secrets) {
      assertTrue(Redactor.hasSecret(s), s);
      assertTrue(Redactor.text(s).contains(Redactor.MASK), s);
    }
    assertFalse(Redactor.text("postgresql://app:s3cr3t@db:5432/app").contains("s3cr3t"));
    String plain = "TypeError: Cannot read properties of undefined (reading 'value') at syncInvoices";
    assertEquals(plain, Redactor.text(plain));
    assertFalse(Redactor.hasSecret("const token = conn.refreshToken;"));
  }

  // Verifies that values under secret-looking keys and Sentry's [key, value] header pairs are masked in JSON.
  @Test
  void secretKeysAreMaskedInJson() {
    JsonObject in = new JsonObject().put("password", "hunter2").put("refresh_token", "abc")
        .put("nested", new JsonObject().put("Authorization", "Basic Zm9vOmJhcg==").put("ok", "fine"))
        .put("headers", new JsonArray().add(new JsonArray().add("Cookie").add("sid=1")).add(new JsonArray()
            .add("Accept").add("application/json")));
    JsonObject out = Redactor.json(in);
    assertEquals(Redactor.MASK, out.getString("password"));
    assertEquals(Redactor.MASK, out.getString("refresh_token"));
    assertEquals(Redactor.MASK, out.getJsonObject("nested").getString("Authorization"));
    assertEquals("fine", out.getJsonObject("nested").getString("ok"));
    assertEquals(Redactor.MASK, out.getJsonArray("headers").getJsonArray(0).getString(1));
    assertEquals("application/json", out.getJsonArray("headers").getJsonArray(1).getString(1));
    assertEquals("hunter2", in.getString("password"), "the input is not changed");
  }
}
