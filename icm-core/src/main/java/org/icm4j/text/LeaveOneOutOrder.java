package org.icm4j.text;

/**
 * How a scorer shares work between the n queries of a leave-one-out call; {@link
 * LeaveOneOutPlan#of} turns each into the segments a scorer runs through its model. Every order
 * gives query {@code i} exactly the other n - 1 examples as context; they differ in the order of
 * that context and in how many tokens are forwarded.
 */
public enum LeaveOneOutOrder {
  /**
   * The official pattern and the reference: every query reads its whole context, the others in
   * their given order, from scratch. About {@code n (n - 1)} demonstrations forwarded.
   */
  PLAIN,
  /**
   * The plain order's contexts; the keys and values of the common prefix (the examples before the
   * query) are computed once and extended by one demonstration per query, the rest of each context
   * (the examples after the query) is read per query. About {@code n (n - 1) / 2} demonstrations
   * forwarded.
   */
  SHARED_PREFIX,
  /**
   * Each half of the examples is encoded once as the prefix of the other half, recursively: about
   * {@code n log2 n} demonstrations forwarded. The context of query {@code i} is, from the outermost
   * level of the recursion inwards, the half that does not hold {@code i}.
   */
  DIVIDE_AND_CONQUER
}
