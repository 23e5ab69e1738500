package io.supportpilot.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** The hand-written equals and hashCode of the event key agree with its fields, as a record's generated ones would. */
class EventKeyTest {

  @Test
  void equalByBothFieldsOnly() {
    EventKey a = new EventKey("mcp", new String("evt-1"));
    EventKey b = new EventKey(new String("mcp"), "evt-1");
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, new EventKey("sentry", "evt-1"));
    assertNotEquals(a, new EventKey("mcp", "evt-2"));
    assertNotEquals(new EventKey("mcp", "evt-1"), new EventKey("evt-1", "mcp"));
    assertNotEquals(a, "mcp:evt-1");
    assertEquals(new EventKey(null, null), new EventKey(null, null));
    assertNotEquals(new EventKey(null, "evt-1"), a);
  }
}
