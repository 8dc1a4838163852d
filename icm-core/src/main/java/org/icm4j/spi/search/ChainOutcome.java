package org.icm4j.spi.search;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.icm4j.result.IterationRecord;

/**
 * What a {@link SearchStrategy} returns for one chain. Immutable and thread-safe.
 *
 * @param state the final labeling and its energy
 * @param iterations iterations run
 * @param accepted accepted moves
 * @param history one record per iteration (may be empty for strategies without iterations)
 * @param cancelled whether the chain stopped early because the run was cancelled
 * @param ends where each independent start of the chain ended (a chain of annealing is one start:
 *     its final state), in start order; the engine compares them across the chains of a batch to
 *     tell whether the search agrees with itself
 * @param bestEnd index in {@code ends} of the start the returned state came from, or {@code -1}
 *     when none did
 */
public record ChainOutcome(
    SearchState state,
    int iterations,
    int accepted,
    List<IterationRecord> history,
    boolean cancelled,
    List<SearchState> ends,
    int bestEnd) {
  /**
   * Checks the components and copies the collections.
   *
   * @param state the final labeling and its energy
   * @param iterations iterations run
   * @param accepted accepted moves
   * @param history one record per iteration (may be empty for strategies without iterations)
   * @param cancelled whether the chain stopped early because the run was cancelled
   * @param ends where each independent start of the chain ended (a chain of annealing is one start:
   *     its final state), in start order; the engine compares them across the chains of a batch to tell
   *     whether the search agrees with itself
   * @param bestEnd index in {@code ends} of the start the returned state came from, or {@code -1}
   *     when none did
   */
  public ChainOutcome {
    requireNonNull(state, "state");
    history = List.copyOf(requireNonNull(history, "history"));
    ends = List.copyOf(requireNonNull(ends, "ends"));
    if (bestEnd < -1 || bestEnd >= ends.size()) {
      throw new IllegalArgumentException(
          "bestEnd must be -1 or an index of the " + ends.size() + " ends, but was " + bestEnd);
    }
  }

  /**
   * The outcome of a chain that is one start, ending at its returned state.
   *
   * @param state the state
   * @param iterations the iterations
   * @param accepted the accepted
   * @param history the history
   * @param cancelled the cancelled
   */
  public ChainOutcome(
      SearchState state, int iterations, int accepted, List<IterationRecord> history, boolean cancelled) {
    this(state, iterations, accepted, history, cancelled, List.of(state), 0);
  }
}
