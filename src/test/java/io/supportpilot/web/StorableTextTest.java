package io.supportpilot.web;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StorableTextTest {

  private static String json(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return StorableText.jsonProblem(b, 0, b.length, false);
  }

  private static String bytes(int... bs) {
    byte[] b = new byte[bs.length + 2];
    b[0] = '"';
    for (int i = 0; i < bs.length; i++) {
      b[i + 1] = (byte) bs[i];
    }
    b[b.length - 1] = '"';
    return StorableText.jsonProblem(b, 0, b.length, false);
  }

  @Test
  void numbersAreCheckedAgainstPostgresNumericLimits() {
    // Verifies the numeric bounds measured on Postgres 17 jsonb: 131,072 digits before and 16,383 after the point.
    for (String ok : new String[] {"1e131071", "123e131069", "9e131071", "1e-16383", "1.5e-16382",
        "0.0000000001e-16373", "0e1000000", "-0", "1E+5", "12345678901234567890", "-1.5e3"}) {
      assertNull(json("{\"n\":" + ok + "}"), ok);
    }
    for (String bad : new String[] {"1e131072", "123e131070", "1e-16384", "1.5e-16383", "0e-16384",
        "0.0000000001e-16374", "1e1000000", "1e2147483647", "-1e-2147483648", "1e99999999999999"}) {
      String p = json("{\"n\":" + bad + "}");
      assertNotNull(p, bad);
      assertTrue(p.contains("out of range"), p);
    }
    assertNull(json("{\"s\":\"1e1000000\",\"t\":true,\"f\":false}"), "numbers inside strings and literals are text");
  }

  @Test
  void escapesMustBeValidUnicodeAndNulIsRefusedUnlessAllowed() {
    // Verifies lone surrogate escapes (high or low) are refused, pairs pass, and \u0000 depends on the caller.
    assertNull(json("{\"s\":\"\\ud83d\\ude00 ok\"}"));
    assertNotNull(json("{\"s\":\"\\ud800\"}"));
    assertNotNull(json("{\"s\":\"\\ud800x\"}"));
    assertNotNull(json("{\"s\":\"\\udc00\"}"));
    assertNotNull(json("{\"s\":\"\\ud800\\u0041\"}"));
    assertNotNull(json("{\"\\ud800\":1}"), "field names too");
    assertNotNull(json("{\"s\":\"a\\u0000b\"}"));
    byte[] nul = "{\"s\":\"a\\u0000b\"}".getBytes(StandardCharsets.UTF_8);
    assertNull(StorableText.jsonProblem(nul, 0, nul.length, true));
    assertNull(json("{\"s\":\"a\\\\u0000b \\\\ud800\"}"), "an escaped backslash followed by 'u0000' is plain text");
  }

  @Test
  void onlyStrictUtf8Passes() {
    // Verifies RFC 3629 UTF-8: overlong forms, encoded surrogates, code points past U+10FFFF and stray bytes fail.
    assertNull(bytes(0xc3, 0xa9));
    assertNull(bytes(0xe4, 0xb8, 0xad));
    assertNull(bytes(0xf0, 0x9f, 0x98, 0x80));
    assertNotNull(bytes(0xc0, 0x80));
    assertNotNull(bytes(0xc3, 0x28));
    assertNotNull(bytes(0xe0, 0x80, 0x80));
    assertNotNull(bytes(0xed, 0xa0, 0x80));
    assertNotNull(bytes(0xf4, 0x90, 0x80, 0x80));
    assertNotNull(bytes(0xff));
    assertNotNull(bytes(0xe4, 0xb8));
  }

  @Test
  void requestTargetsAreDecodedAndChecked() {
    // Verifies %00, percent-decoded bytes that are not UTF-8 and malformed escapes are found; normal ones pass.
    assertNull(StorableText.uriProblem("/api/admin/articles/reset-password?q=a%20b&x=%C3%A9"));
    assertNotNull(StorableText.uriProblem("/api/admin/articles/%00"));
    assertNotNull(StorableText.uriProblem("/api/support/conversations/x?user_id=%00"));
    assertNotNull(StorableText.uriProblem("/api/admin/articles/%C3%28"));
    assertNotNull(StorableText.uriProblem("/api/admin/articles/%ED%A0%80"));
    assertNotNull(StorableText.uriProblem("/api/admin/articles/%zz"));
    assertNotNull(StorableText.uriProblem("/api/admin/articles/%4"));
  }
}
