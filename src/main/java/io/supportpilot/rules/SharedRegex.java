package io.supportpilot.rules;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One compiled {@code $regex} leaf, shared by every rule that tests the same field with the same expression, so that
 * an event pays for each distinct expression once however many rules use it (operators tend to repeat one "timeout"
 * or "division" regex across rules that differ only in their actions). The result is remembered on the
 * {@link Subject} for the rest of that event; the instance is the memo key, so leaves are interned by field slot and
 * expression. Interned weakly: a leaf no enabled rule holds any more is dropped.
 */
final class SharedRegex {

  private static final Cache<String, SharedRegex> INTERNED = Caffeine.newBuilder().weakValues().build();

  private final int slot;
  private final Pattern pattern;
  /** A literal every match starts with (lower case when {@link #ignoreCase}), or null: a cheap test before the regex. */
  private final String prefix;
  private final boolean ignoreCase;

  private SharedRegex(int slot, String expression) {
    this.slot = slot;
    this.pattern = Pattern.compile(expression);
    boolean ci = expression.startsWith("(?i)");
    String literal = leadingLiteral(ci ? expression.substring(4) : expression);
    this.ignoreCase = ci;
    this.prefix = literal == null ? null : ci ? literal.toLowerCase(Locale.ROOT) : literal;
  }

  /** The shared leaf for a slot and an expression that compiles (the caller has validated it). */
  static SharedRegex of(int slot, String expression) {
    return INTERNED.get(slot + "\u0000" + expression, k -> new SharedRegex(slot, expression));
  }

  /** Whether the subject's field has a match in its first {@link ConditionCompiler#REGEX_INPUT_LIMIT} characters. */
  boolean test(Subject s) {
    int known = s.recalled(this);
    if (known != Subject.UNKNOWN) {
      return known == Subject.TRUE;
    }
    String x = s.string(slot);
    if (x != null && x.length() > ConditionCompiler.REGEX_INPUT_LIMIT) {
      x = x.substring(0, ConditionCompiler.REGEX_INPUT_LIMIT);
    }
    boolean found = x != null && mayMatch(x) && pattern.matcher(x).find();
    s.remember(this, found);
    return found;
  }

  private boolean mayMatch(String x) {
    return prefix == null || (ignoreCase ? containsAsciiIgnoreCase(x, prefix) : x.contains(prefix));
  }

  /**
   * The literal text a match of {@code p} must start with: its leading run of plain characters (letters, digits,
   * space and punctuation without a meaning in a regex), without a last character that a quantifier makes optional;
   * null when that is shorter than three characters, when the expression has an alternation anywhere (a match might
   * start in another branch) or when the literal is not ASCII (a {@code (?i)} match folds ASCII only).
   */
  static String leadingLiteral(String p) {
    if (p.indexOf('|') >= 0) {
      return null;
    }
    int i = 0;
    while (i < p.length() && plain(p.charAt(i))) {
      i++;
    }
    if (i < p.length() && "?*{".indexOf(p.charAt(i)) >= 0) {
      i--; // the last character may be absent or repeated: only what precedes it is certain
    }
    return i >= 3 ? p.substring(0, i) : null;
  }

  private static boolean plain(char c) {
    return c < 128 && (Character.isLetterOrDigit(c) || " ,:;-_/'\"=@#%&<>!~`".indexOf(c) >= 0);
  }

  /** Whether {@code text} contains {@code lower} (ASCII, lower case), folding ASCII letters of the text. */
  static boolean containsAsciiIgnoreCase(String text, String lower) {
    int m = lower.length();
    char first = lower.charAt(0);
    char firstUpper = Character.toUpperCase(first);
    for (int i = 0, last = text.length() - m; i <= last; i++) {
      char c = text.charAt(i);
      if (c != first && c != firstUpper) {
        continue;
      }
      int j = 1;
      while (j < m) {
        char a = text.charAt(i + j);
        if (a != lower.charAt(j) && (a < 'A' || a > 'Z' || (char) (a + 32) != lower.charAt(j))) {
          break;
        }
        j++;
      }
      if (j == m) {
        return true;
      }
    }
    return false;
  }
}
