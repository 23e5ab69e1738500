package io.supportpilot.triage;

/**
 * A question to triage. {@code language} is {@code nl}, {@code en} or null (detected); {@code errorCode}
 * and {@code userId} may be null.
 */
public record TriageQuery(String userId, String language, String subject, String body, String errorCode) {
}
