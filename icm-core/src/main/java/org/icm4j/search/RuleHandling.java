package org.icm4j.search;

import org.icm4j.Rules;


/**
 * How a search treats the consistency rules.
 *
 * <p>The energy is the same either way, {@code U = alpha * P - I}; what differs is which labelings
 * a search may return. {@link #CONSTRAINTS} (the default of {@link Searches#multiStart()}) returns
 * a labeling that breaks as few rules as the rules allow (none, when every group has a consistent
 * labeling) and, among those, the one of highest mutual predictability: {@code alpha} then only
 * scales the reported U. {@link #PENALTIES} is the paper's trade-off: a broken rule costs 1 in U,
 * and a labeling that breaks rules can win when the model predicts it well enough; how much a rule
 * weighs then depends on {@code alpha} and on the batch size (P is a mean over the batch, I a
 * count).
 */
public enum RuleHandling {
  /** Rules are constraints: the fewest violations the rules allow, then the highest P. */
  CONSTRAINTS,
  /** Rules are penalties of 1 per violation, weighed against {@code alpha * P} (the paper's U). */
  PENALTIES
}
