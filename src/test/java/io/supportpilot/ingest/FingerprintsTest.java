package io.supportpilot.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FingerprintsTest {

  @Test
  void theFingerprintGroupsTheSameBugAndSeparatesOthers() {
    // Verifies masking: other ids, numbers, quoted values and line numbers give the same fingerprint; another
    // type, code, message shape or in-app frame gives another.
    String a = Fingerprints.of("ExactApiError", "E1", "Invoice 123 not found for 'ACME BV' (req 9f2c1e)",
        Fingerprints.framesOfText("Error\n    at fetch (/app/src/a.ts:10:5)\n    at x (node_modules/y.js:1:1)"));
    String b = Fingerprints.of("ExactApiError", "E1", "Invoice 98765 not found for 'Other' (req ab12)\nsecond line",
        Fingerprints.framesOfText("Error\n    at fetch (/app/src/a.ts:99:7)\n    at z (node:internal/q:1:1)"));
    assertEquals(a, b);
    assertNotEquals(a, Fingerprints.of("OtherError", "E1", "Invoice 123 not found for 'ACME BV' (req 9f2c1e)",
        List.of("at fetch (/app/src/a.ts:10:5)")));
    assertNotEquals(a, Fingerprints.of("ExactApiError", "E2", "Invoice 123 not found for 'ACME BV' (req 9f2c1e)",
        List.of("at fetch (/app/src/a.ts:10:5)")));
    assertNotEquals(a, Fingerprints.of("ExactApiError", "E1", "Customer 123 not found",
        List.of("at fetch (/app/src/a.ts:10:5)")));
    assertNotEquals(a, Fingerprints.of("ExactApiError", "E1", "Invoice 123 not found for 'ACME BV' (req 9f2c1e)",
        List.of("at other (/app/src/b.ts:10:5)")));
    assertEquals("Invoice <v> not found for <q> (req <v>)", Fingerprints.mask("Invoice 123 not found for 'ACME'  (req 9f2c1e)"));
    assertEquals(2, Fingerprints.framesOfText("Traceback (most recent call last):\n  File \"/app/a.py\", line 3, in f\n"
        + "  File \"/usr/lib/python3/site-packages/x.py\", line 9, in g\n  File \"/app/b.py\", line 7, in h\nValueError: x")
        .size());
  }
}
