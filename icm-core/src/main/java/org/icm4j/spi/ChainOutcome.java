package org.icm4j.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.icm4j.IterationRecord;

/**
 * What a {@link SearchStrategy} returns for one chain. Immutable and thread-safe.
 *
 * @param state the final labeling and its energy
 * @param iterations iterations run
 * @param accepted accepted moves
 * @param history one record per iteration (may be empty for strategies without iterations)
 * @param cancelled whether the chain stopped early because the run was cancelled
 */
public record ChainOutcome(
    SearchState state, int iterations, int accepted, List<IterationRecord> history, boolean cancelled) {
  public ChainOutcome {
    requireNonNull(state, "state");
    history = List.copyOf(requireNonNull(history, "history"));
  }
}
