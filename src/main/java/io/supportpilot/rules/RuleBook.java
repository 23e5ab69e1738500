package io.supportpilot.rules;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enabled rules of every trigger type, compiled once per change and swapped in as one immutable snapshot, so
 * evaluation on any event loop reads them without locks. Reloaded after a local change and, for changes made on
 * other instances, when the table's change stamp moves.
 */
final class RuleBook {

  private static final Logger LOG = LoggerFactory.getLogger(RuleBook.class);

  /** One immutable generation of compiled rules. */
  record Snapshot(String stamp, Map<TriggerType, Indexed> indexed) {

    CompiledRule[] of(TriggerType t) {
      return indexed.getOrDefault(t, Indexed.NONE).rules();
    }
  }

  /** A trigger type's enabled rules with their {@link RuleIndex}, from one generation. */
  record Indexed(CompiledRule[] rules, RuleIndex index) {

    static final Indexed NONE = new Indexed(new CompiledRule[0], RuleIndex.of(List.of(), Schema.ERROR));
  }

  private final RuleStore store;
  private final AtomicReference<Snapshot> current = new AtomicReference<>(
      new Snapshot("", new EnumMap<>(TriggerType.class)));

  RuleBook(RuleStore store) {
    this.store = store;
  }

  /** The current enabled rules of a trigger type (do not modify the array). */
  CompiledRule[] rules(TriggerType t) {
    return current.get().of(t);
  }

  /** The current enabled rules of a trigger type with their index (do not modify the array). */
  Indexed indexed(TriggerType t) {
    return current.get().indexed().getOrDefault(t, Indexed.NONE);
  }

  /** How many enabled rules this instance evaluates now (all trigger types). */
  int size() {
    int n = 0;
    for (Indexed i : current.get().indexed().values()) {
      n += i.rules().length;
    }
    return n;
  }

  /** Reloads and recompiles the enabled rules. */
  Future<Void> reload() {
    return store.stamp().compose(this::load);
  }

  /** Reloads only when the table changed since the last load (cheap; run periodically). */
  Future<Void> refreshIfChanged() {
    return store.stamp().compose(s -> s.equals(current.get().stamp()) ? Future.succeededFuture() : load(s));
  }

  private Future<Void> load(String stamp) {
    return store.enabledRules().map(rows -> {
      Map<TriggerType, List<CompiledRule>> lists = new EnumMap<>(TriggerType.class);
      for (RuleStore.StoredRule r : rows) {
        try {
          RuleDraft d = RuleDraft.parse(r.toDraftJson(), null);
          lists.computeIfAbsent(d.triggerType(), k -> new ArrayList<>()).add(new CompiledRule(r.id(), r.name(),
              d.triggerType(), d.conditionJson(), d.condition(), d.actions(), r.webhookSecret()));
        } catch (RuntimeException e) {
          LOG.warn("automation rule {} is skipped: {}", r.id(), e.getMessage());
        }
      }
      Map<TriggerType, Indexed> indexed = new EnumMap<>(TriggerType.class);
      lists.forEach((k, v) -> indexed.put(k, new Indexed(v.toArray(new CompiledRule[0]),
          RuleIndex.of(v.stream().map(CompiledRule::conditionJson).toList(), Schema.of(k)))));
      current.set(new Snapshot(stamp, indexed));
      return null;
    });
  }
}
