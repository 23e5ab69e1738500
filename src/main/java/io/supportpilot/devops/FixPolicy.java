package io.supportpilot.devops;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The safety rails of a fix pull request, checked before anything is written: only the configured repository,
 * paths on the allow list and off the deny list (never {@code .github/workflows/}, whatever the configuration),
 * no path tricks, at most so many files and changed lines, no secrets in the content, and branch names under
 * the fixed prefix.
 */
final class FixPolicy {

  /** Paths no configuration can open: CI definitions run with the repository's credentials. */
  static final List<String> ALWAYS_DENIED = List.of(".github/workflows/**", ".github/actions/**", "**/.git/**",
      ".git/**");

  /** A file of a proposed fix. {@code content} is the whole new file. */
  record FileChange(String path, String content) {
  }

  /** Why a fix was refused (the agent sees this sentence). */
  static final class Refused extends RuntimeException {

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private final String repository;
  private final DevopsConfig.Fixes cfg;
  private final List<PathMatcher> allow = new ArrayList<>();
  private final List<PathMatcher> deny = new ArrayList<>();

  FixPolicy(String repository, DevopsConfig.Fixes cfg) {
    this.repository = repository;
    this.cfg = cfg;
    cfg.allowPaths().forEach(p -> allow.add(glob(p)));
    cfg.denyPaths().forEach(p -> deny.add(glob(p)));
    ALWAYS_DENIED.forEach(p -> deny.add(glob(p)));
  }

  /** Refuses a repository other than the configured one (case-insensitive, as GitHub names are). */
  void checkRepository(String requested) {
    if (repository.isEmpty()) {
      throw new Refused("no repository is configured (GITHUB_REPOSITORY)");
    }
    if (requested != null && !requested.isBlank() && !requested.trim().equalsIgnoreCase(repository)) {
      throw new Refused("only the configured repository " + repository + " may be changed, not " + requested.trim());
    }
  }

  /** Normalises and checks one path; returns the normalised path. */
  String checkPath(String raw) {
    if (raw == null || raw.isBlank()) {
      throw new Refused("a file path is empty");
    }
    String p = raw.trim().replace('\\', '/');
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    if (p.startsWith("/") || p.contains("//") || p.endsWith("/") || p.chars().anyMatch(ch -> ch < 0x20)) {
      throw new Refused("the path " + raw + " is not a plain repository path");
    }
    for (String part : p.split("/")) {
      if (part.equals("..") || part.equals(".")) {
        throw new Refused("the path " + raw + " leaves the repository or is not normalised");
      }
    }
    Path path = Path.of(p);
    String lower = p.toLowerCase(Locale.ROOT);
    for (PathMatcher m : deny) {
      if (m.matches(path) || m.matches(Path.of(lower))) {
        throw new Refused("the path " + p + " is on the deny list (CI workflows, secrets and git internals are "
            + "never changed by the agent)");
      }
    }
    if (allow.stream().noneMatch(m -> m.matches(path))) {
      throw new Refused("the path " + p + " is not on the allow list " + cfg.allowPaths());
    }
    return p;
  }

  /** Checks the set of files (count, paths, size, secrets) before anything is fetched or written. */
  List<FileChange> checkFiles(List<FileChange> files) {
    if (files.isEmpty()) {
      throw new Refused("a fix needs at least one changed file");
    }
    if (files.size() > cfg.maxFiles()) {
      throw new Refused("a fix may change at most " + cfg.maxFiles() + " files, this one changes " + files.size());
    }
    Set<String> seen = new HashSet<>();
    List<FileChange> out = new ArrayList<>();
    for (FileChange f : files) {
      String p = checkPath(f.path());
      if (!seen.add(p)) {
        throw new Refused("the file " + p + " appears twice");
      }
      if (f.content() == null) {
        throw new Refused("the file " + p + " has no content");
      }
      if (f.content().getBytes(StandardCharsets.UTF_8).length > cfg.maxFileBytes()) {
        throw new Refused("the file " + p + " is larger than " + cfg.maxFileBytes() + " bytes");
      }
      if (Redactor.hasSecret(f.content())) {
        throw new Refused("the file " + p + " contains something that looks like a secret");
      }
      out.add(new FileChange(p, f.content()));
    }
    return out;
  }

  /** Checks the changed-line total, given each file's current content (null for a new file). */
  void checkChangedLines(Map<String, String> before, List<FileChange> after) {
    int total = 0;
    for (FileChange f : after) {
      total += changedLines(before.get(f.path()), f.content());
    }
    if (total > cfg.maxChangedLines()) {
      throw new Refused("a fix may change at most " + cfg.maxChangedLines() + " lines, this one changes " + total);
    }
    if (total == 0) {
      throw new Refused("the proposed files are identical to the default branch: nothing to fix");
    }
  }

  /** The branch for a fix: the fixed prefix plus a slug of the key; the agent never names branches itself. */
  String branchFor(String key) {
    String slug = key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    if (slug.length() > 60) {
      slug = slug.substring(0, 60).replaceAll("-+$", "");
    }
    return cfg.branchPrefix() + (slug.isEmpty() ? "fix" : slug);
  }

  /** True when the branch is one the agent may write to (under the prefix, never the default branch). */
  boolean writable(String branch, String defaultBranch) {
    return branch.startsWith(cfg.branchPrefix()) && !branch.equals(defaultBranch) && !branch.contains("..");
  }

  /** Lines added plus lines removed between two texts (a multiset difference: moved lines count as unchanged). */
  static int changedLines(String before, String after) {
    Map<String, Integer> old = new HashMap<>();
    if (before != null && !before.isEmpty()) {
      for (String l : before.split("\n", -1)) {
        old.merge(l, 1, Integer::sum);
      }
    }
    int added = 0;
    if (after != null && !after.isEmpty()) {
      for (String l : after.split("\n", -1)) {
        Integer n = old.get(l);
        if (n == null || n == 0) {
          added++;
        } else {
          old.put(l, n - 1);
        }
      }
    }
    int removed = old.values().stream().mapToInt(Integer::intValue).sum();
    return added + removed;
  }

  private static PathMatcher glob(String pattern) {
    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    if (pattern.startsWith("**/")) {
      // "**/x" should also match "x" at the top level.
      PathMatcher top = FileSystems.getDefault().getPathMatcher("glob:" + pattern.substring(3));
      return p -> m.matches(p) || top.matches(p);
    }
    return m;
  }
}
