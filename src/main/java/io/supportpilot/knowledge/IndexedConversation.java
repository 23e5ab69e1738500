package io.supportpilot.knowledge;

/** A resolved conversation ready for indexing: its text and its vector. */
public record IndexedConversation(String id, String userId, String subject, String text, float[] vector) {
}
