package io.supportpilot.bus;

import java.util.Set;

/**
 * Scaled mode: this processing instance now owns these partitions of the error topic (keyed by error type)
 * out of {@code partitionCount}. Published on {@link Addresses#PARTITIONS_ASSIGNED}; revocations carry the
 * partitions given up on {@link Addresses#PARTITIONS_REVOKED}.
 */
public record PartitionsAssigned(Set<Integer> partitions, int partitionCount) {

  public PartitionsAssigned {
    partitions = Set.copyOf(partitions);
  }
}
