package io.supportpilot.spike;

import io.supportpilot.bus.ErrorEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.common.utils.Utils;

/**
 * Which error types this instance counts, and which it must hold back for now. Embedded mode owns every type;
 * scaled mode owns the types of its assigned Kafka partitions (the topic is keyed by error type). Until the
 * first rebuild is done (embedded), or while the partitions of a type are being rebuilt (scaled), events of that
 * type are held here and released to be counted afterwards. Pure; not thread-safe: owned by the detector's
 * event loop.
 */
final class PartitionOwnership {

  private final boolean scaled;
  private final Set<Integer> owned = new HashSet<>();
  private final Set<Integer> rebuilding = new HashSet<>();
  private final List<ErrorEvent> pending = new ArrayList<>();
  private int partitionCount = 1;
  private boolean ready;

  /** Ownership in scaled mode (by partition) or embedded mode (everything). */
  PartitionOwnership(boolean scaled) {
    this.scaled = scaled;
  }

  /** Kafka's default partitioner for a String key: murmur2 of the UTF-8 bytes, made positive, modulo partitions. */
  static int partitionOf(String errorType, int partitions) {
    return Utils.toPositive(Utils.murmur2(errorType.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** The partition of a type under the current partition count. */
  int partitionOf(String type) {
    return partitionOf(type, partitionCount);
  }

  boolean scaled() {
    return scaled;
  }

  /** The start-up rebuild is done (or, scaled, not needed): events are counted unless their partition rebuilds. */
  void ready() {
    ready = true;
  }

  /** True when this instance counts the type. */
  boolean owns(String type) {
    return !scaled || owned.contains(partitionOf(type));
  }

  /** True when events of the type must be held until a rebuild is done. */
  boolean underRebuild(String type) {
    return !ready || (scaled && rebuilding.contains(partitionOf(type)));
  }

  /** Holds an event until its type's rebuild is done. */
  void hold(ErrorEvent e) {
    pending.add(e);
  }

  /** The held events of the matching types (a copy). */
  List<ErrorEvent> held(Predicate<String> types) {
    return pending.stream().filter(e -> types.test(e.errorType())).toList();
  }

  /**
   * Releases the held events of the matching types; returns those whose key ({@link SpikeStore#key}) is not in
   * {@code alreadyCounted}, to be counted now.
   */
  List<ErrorEvent> release(Predicate<String> types, Set<String> alreadyCounted) {
    List<ErrorEvent> replay = new ArrayList<>();
    pending.removeIf(e -> {
      if (types.test(e.errorType())) {
        if (!alreadyCounted.contains(SpikeStore.key(e))) {
          replay.add(e);
        }
        return true;
      }
      return false;
    });
    return replay;
  }

  /**
   * Adopts a partition count; true when it differs from the current one, which changes every type's partition:
   * nothing is owned any more and the caller starts over.
   */
  boolean recount(int count) {
    if (count == partitionCount) {
      return false;
    }
    owned.clear();
    partitionCount = count;
    return true;
  }

  /** Takes the partitions not owned yet; returns them, now owned and being rebuilt (empty when none is new). */
  Set<Integer> claim(Collection<Integer> partitions) {
    Set<Integer> fresh = new HashSet<>(partitions);
    fresh.removeAll(owned);
    owned.addAll(fresh);
    rebuilding.addAll(fresh);
    return fresh;
  }

  /** The types of these partitions (under the partition count current when tested). */
  Predicate<String> typesOf(Set<Integer> partitions) {
    return t -> partitions.contains(partitionOf(t));
  }

  /** The rebuild of these partitions is over; true when they are all still owned. */
  boolean rebuilt(Set<Integer> partitions) {
    rebuilding.removeAll(partitions);
    return owned.containsAll(partitions);
  }

  /** Gives up partitions and the held events of their types; returns the predicate of their types. */
  Predicate<String> revoke(Collection<Integer> partitions) {
    Set<Integer> gone = new HashSet<>(partitions);
    owned.removeAll(gone);
    rebuilding.removeAll(gone);
    Predicate<String> theirs = typesOf(gone);
    pending.removeIf(e -> theirs.test(e.errorType()));
    return theirs;
  }

  /** The owned partitions (a copy). */
  List<Integer> owned() {
    return new ArrayList<>(owned);
  }

  /** The current partition count. */
  int partitionCount() {
    return partitionCount;
  }
}
