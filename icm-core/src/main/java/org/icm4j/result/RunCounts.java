package org.icm4j.result;

/**
 * Work done by a run, summed over batches and chains. Immutable and thread-safe.
 *
 * @param iterations annealing iterations
 * @param accepted accepted moves
 * @param scorerCalls calls to the scorer ({@code score} or {@code scoreLeaveOneOut})
 * @param scoredQueries queries answered (a leave-one-out call over n examples answers n)
 * @param tokens token-forwards as reported by the scorer (0 when it does not count)
 */
public record RunCounts(
    long iterations, long accepted, long scorerCalls, long scoredQueries, long tokens) {

  /**
   * The element-wise sum.
   *
   * @param o the o
   * @return the element-wise sum
   */
  public RunCounts plus(RunCounts o) {
    return new RunCounts(
        iterations + o.iterations,
        accepted + o.accepted,
        scorerCalls + o.scorerCalls,
        scoredQueries + o.scoredQueries,
        tokens + o.tokens);
  }

  /**
   * All zero.
   *
   * @return all zero
   */
  public static RunCounts zero() {
    return new RunCounts(0, 0, 0, 0, 0);
  }
}
