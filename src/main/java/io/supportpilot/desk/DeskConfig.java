package io.supportpilot.desk;

import io.supportpilot.config.Config;
import java.time.Duration;

/**
 * The desk's settings: how long a human reply may stay unread before it is e-mailed, and how often that is checked.
 */
record DeskConfig(Duration replyMailAfter, Duration replyMailScan) {

  static DeskConfig from(Config c) {
    return new DeskConfig(
        c.has("desk.reply-mail-after") ? c.duration("desk.reply-mail-after", Duration.ZERO) : Duration.ofMinutes(15),
        c.has("desk.reply-mail-scan") ? c.duration("desk.reply-mail-scan", Duration.ofMillis(100))
            : Duration.ofSeconds(30));
  }
}
