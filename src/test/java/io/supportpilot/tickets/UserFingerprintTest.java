package io.supportpilot.tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.supportpilot.tickets.AutoTicketStore.UserFingerprint;
import org.junit.jupiter.api.Test;

/** The open-ticket cache's key: equal exactly when user and fingerprint are (hand-written equals and hashCode). */
class UserFingerprintTest {

  @Test
  void equalByBothFields() {
    UserFingerprint a = new UserFingerprint("u1", new String("fp"));
    UserFingerprint b = new UserFingerprint(new String("u1"), "fp");
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, new UserFingerprint("u2", "fp"));
    assertNotEquals(a, new UserFingerprint("u1", "fp2"));
    assertNotEquals(new UserFingerprint("a", "b"), new UserFingerprint("b", "a"));
    assertEquals(new UserFingerprint(null, "fp"), new UserFingerprint(null, "fp"));
    assertNotEquals(new UserFingerprint(null, "fp"), a);
  }
}
