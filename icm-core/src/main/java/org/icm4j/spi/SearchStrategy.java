package org.icm4j.spi;

/**
 * Searches one batch for a labeling of high U. Built-ins: {@link org.icm4j.Searches#annealing()}
 * (the paper's Algorithm 1 with ConsistencyFix) and {@link org.icm4j.Searches#exhaustive()} (the
 * exact optimum for small batches). Implementations must be immutable and thread-safe (one
 * strategy serves every chain) and take all randomness from {@link SearchProblem#random()}.
 */
@FunctionalInterface
public interface SearchStrategy {

  /** Runs one chain on the problem. */
  ChainOutcome search(SearchProblem problem);
}
