package io.supportpilot.knowledge;

import java.util.Set;

/** An indexed document: an article or a resolved conversation, its analysed Dutch and English terms and vectors. */
record IndexEntry(String id, Article article, IndexedConversation conversation, Set<String> nl, Set<String> en,
    float[][] vectors) {
}
