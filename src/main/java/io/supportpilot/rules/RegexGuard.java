package io.supportpilot.rules;

import java.util.ArrayDeque;

/**
 * Refuses regular expressions that can backtrack catastrophically in {@link java.util.regex}: a group that is
 * repeated without bound ({@code *}, {@code +}, {@code {n,}}, {@code {n,m}} with m > 1) may not itself contain a
 * quantifier or an alternation ({@code (a+)+}, {@code (a|aa)*}, {@code (\w+\s?)*}), and backreferences are not
 * allowed. Stricter than necessary on purpose: a refused pattern can always be rewritten without the nesting.
 */
public final class RegexGuard {

  private RegexGuard() {
  }

  private static final class Frame {
    boolean quantifier;
    boolean alternation;
  }

  /** Why the pattern is refused, or null when it is safe. */
  public static String problem(String p) {
    ArrayDeque<Frame> stack = new ArrayDeque<>();
    stack.push(new Frame());
    int i = 0;
    int n = p.length();
    while (i < n) {
      char c = p.charAt(i);
      if (c == '\\') {
        if (i + 1 >= n) {
          return null; // the compiler reports the dangling escape
        }
        char e = p.charAt(i + 1);
        if (e >= '1' && e <= '9' || e == 'k') {
          return "backreferences are not allowed (they make matching exponential)";
        }
        if (e == 'Q') {
          int end = p.indexOf("\\E", i + 2);
          i = end < 0 ? n : end + 2;
        } else {
          i += 2;
        }
        i = quantifier(p, i, stack.peek(), null);
        if (i < 0) {
          return null;
        }
        continue;
      }
      if (c == '[') {
        i = skipClass(p, i);
        i = quantifier(p, i, stack.peek(), null);
        continue;
      }
      if (c == '(') {
        i++;
        if (i < n && p.charAt(i) == '?') {
          i++;
          if (i < n && p.charAt(i) == '<' && i + 1 < n && p.charAt(i + 1) != '=' && p.charAt(i + 1) != '!') {
            int end = p.indexOf('>', i);
            i = end < 0 ? n : end + 1;
          } else {
            while (i < n && p.charAt(i) != ':' && p.charAt(i) != ')' && p.charAt(i) != '=' && p.charAt(i) != '!'
                && p.charAt(i) != '>') {
              i++;
            }
            if (i < n && p.charAt(i) == ')') {
              continue; // an inline flag group like (?i): no group to track
            }
            i++;
          }
        }
        stack.push(new Frame());
        continue;
      }
      if (c == ')') {
        Frame f = stack.size() > 1 ? stack.pop() : new Frame();
        Frame parent = stack.peek();
        boolean[] unbounded = new boolean[1];
        int next = quantifier(p, i + 1, parent, unbounded);
        if (unbounded[0] && (f.quantifier || f.alternation)) {
          return "a repeated group contains a quantifier or an alternation (like (a+)+ or (a|aa)*), which can "
              + "backtrack catastrophically";
        }
        parent.quantifier |= f.quantifier;
        parent.alternation |= f.alternation;
        i = next;
        continue;
      }
      if (c == '|') {
        stack.peek().alternation = true;
        i++;
        continue;
      }
      i = quantifier(p, i + 1, stack.peek(), null);
    }
    return null;
  }

  /** Consumes a quantifier at {@code i} (if any), marks the frame, and says whether it is unbounded. */
  private static int quantifier(String p, int i, Frame frame, boolean[] unbounded) {
    int n = p.length();
    if (i >= n) {
      return i;
    }
    char q = p.charAt(i);
    boolean repeat;
    int next;
    if (q == '*' || q == '+') {
      repeat = true;
      next = i + 1;
    } else if (q == '?') {
      repeat = false;
      next = i + 1;
    } else if (q == '{') {
      int end = p.indexOf('}', i);
      if (end < 0) {
        return i + 1;
      }
      String body = p.substring(i + 1, end);
      int comma = body.indexOf(',');
      if (comma < 0) {
        repeat = parse(body) > 1;
      } else {
        String max = body.substring(comma + 1).trim();
        repeat = max.isEmpty() || parse(max) > 1;
      }
      next = end + 1;
    } else {
      return i;
    }
    frame.quantifier = true;
    if (unbounded != null) {
      unbounded[0] = repeat;
    }
    if (next < n && (p.charAt(next) == '?' || p.charAt(next) == '+')) {
      next++; // lazy or possessive modifier
    }
    return next;
  }

  private static int parse(String s) {
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }

  private static int skipClass(String p, int i) {
    int depth = 0;
    int n = p.length();
    i++;
    if (i < n && p.charAt(i) == '^') {
      i++;
    }
    if (i < n && p.charAt(i) == ']') {
      i++;
    }
    while (i < n) {
      char c = p.charAt(i);
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '[') {
        depth++;
      } else if (c == ']') {
        if (depth == 0) {
          return i + 1;
        }
        depth--;
      }
      i++;
    }
    return n;
  }
}
