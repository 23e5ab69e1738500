package io.supportpilot.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The save-time SSRF check of webhook URLs: every spelling of a private target is refused unless allowed. */
class WebhookTargetsTest {

  @ParameterizedTest
  @ValueSource(strings = {"http://localhost/", "http://LocalHost:8080/x", "http://localhost./", "http://a.localhost/",
      "http://127.0.0.1/", "http://2130706433/", "http://0x7f.1/", "http://0x7f000001/", "http://017700000001/",
      "http://0177.0.0.1/", "http://127.1/", "http://127.0.1/", "http://0/", "http://0.0.0.0/", "http://10.1/",
      "http://169.254.169.254/", "http://0xa9fea9fe/", "http://2852039166/", "http://192.168.1.1/",
      "http://100.64.0.1/", "http://[::1]/", "http://[0:0:0:0:0:0:0:1]/", "http://[::]/", "http://[fe80::1]/",
      "http://[fe80::1%25eth0]/", "http://[fd00::1]/", "http://[fc00::1]/", "http://[fec0::1]/",
      "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::ffff:a9fe:a9fe]/", "http://[::127.0.0.1]/",
      "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::]/", "http://[ff02::1]/", "https://10.0.0.5/hook"})
  void privateTargetsAreRefusedOnSave(String url) {
    InvalidRule e = assertThrows(InvalidRule.class, () -> RuleDraft.webhookUrl(url, "actions[0].config.url",
        Set.of()), url);
    assertEquals("actions[0].config.url", e.path());
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://hooks.example.com/x", "http://93.184.216.34/", "http://[2606:4700::1111]/",
      "http://[::ffff:93.184.216.34]/", "https://localhost.example.com/"})
  void publicTargetsAndNamesPass(String url) {
    RuleDraft.webhookUrl(url, "actions[0].config.url", Set.of());
  }

  @Test
  void anAllowedHostPassesWhateverItIs() {
    RuleDraft.webhookUrl("http://127.0.0.1:9/hook", "u", Set.of("127.0.0.1"));
    RuleDraft.webhookUrl("http://localhost:9/hook", "u", Set.of("localhost"));
    assertThrows(InvalidRule.class, () -> RuleDraft.webhookUrl("http://2130706433/", "u", Set.of("127.0.0.1")),
        "the allow list names hosts as written");
  }

  @Test
  void literalsInEveryFormAreParsed() {
    assertEquals("127.0.0.1", WebhookTargets.literal("2130706433").getHostAddress());
    assertEquals("127.0.0.1", WebhookTargets.literal("0x7f.1").getHostAddress());
    assertEquals("127.0.0.1", WebhookTargets.literal("017700000001").getHostAddress());
    assertEquals("10.0.0.1", WebhookTargets.literal("10.1").getHostAddress());
    assertEquals("192.168.0.1", WebhookTargets.literal("192.168.1").getHostAddress());
    assertNull(WebhookTargets.literal("example.com"));
    assertNull(WebhookTargets.literal("1.2.3.4.5"));
    assertThrows(IllegalArgumentException.class, () -> WebhookTargets.literal("256.1.1.1"));
    assertThrows(IllegalArgumentException.class, () -> WebhookTargets.literal("4294967296"));
    assertThrows(IllegalArgumentException.class, () -> WebhookTargets.literal("09.1.1.1"));
    assertTrue(WebhookTargets.isLocalName("LOCALHOST"));
    assertFalse(WebhookTargets.isLocalName("localhost.example.com"));
  }
}
