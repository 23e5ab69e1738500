package io.supportpilot.bus;

import java.time.Instant;

/** An error spike as other capabilities see it (the agent's check_known_issues tool, the metrics API). */
public record SpikeSummary(String id, String errorType, long countLastHour, double hourlyAverage, double ratio,
    Instant startedAt, Instant lastUpdatedAt, boolean active) {
}
