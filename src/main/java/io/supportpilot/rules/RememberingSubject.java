package io.supportpilot.rules;

/**
 * A {@link Subject} that remembers the answers of {@link SharedRegex} leaves for the rest of its evaluation: a few
 * slots, scanned by identity, allocated on the first regex it meets. Past {@link #SLOTS} distinct leaves an answer is
 * simply not remembered (evaluated again).
 */
abstract class RememberingSubject implements Subject {

  static final int SLOTS = 8;

  private SharedRegex[] leaves;
  private int answers;
  private int size;

  @Override
  public final int recalled(SharedRegex leaf) {
    for (int i = 0; i < size; i++) {
      if (leaves[i] == leaf) {
        return (answers >>> i & 1) != 0 ? Subject.TRUE : Subject.FALSE;
      }
    }
    return Subject.UNKNOWN;
  }

  @Override
  public final void remember(SharedRegex leaf, boolean result) {
    if (size == SLOTS) {
      return;
    }
    if (leaves == null) {
      leaves = new SharedRegex[SLOTS];
    }
    leaves[size] = leaf;
    if (result) {
      answers |= 1 << size;
    }
    size++;
  }
}
