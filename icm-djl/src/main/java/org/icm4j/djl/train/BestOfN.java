package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Best-of-n selection, exactly: draw n answers from a policy, keep the one a reward model scores
 * highest. For a question with a finite set of choices, the chance that choice {@code c} is kept
 * is the chance that it is drawn and nothing scored higher is: with the choices sorted by reward,
 * best first (ties broken by index), and {@code H_j} the policy's probability of the first {@code
 * j}, choice {@code j} is kept with probability {@code (1 - H_{j-1})^n - (1 - H_j)^n}. Stateless
 * and thread-safe.
 */
public final class BestOfN {
  private BestOfN() {}

  /**
   * The distribution of the answer best-of-n selection keeps.
   *
   * @param policy the policy's probability of each choice (non-negative, summing to about 1)
   * @param rewards the reward of each choice, finite, as many as {@code policy}
   * @param n answers drawn, at least 1 (1 gives the policy itself)
   * @return the probability that each choice is the one kept
   * @throws IllegalArgumentException for arrays of different lengths, a negative probability, a
   *     non-finite reward or {@code n < 1}
   */
  public static double[] probabilities(double[] policy, double[] rewards, int n) {
    requireNonNull(policy, "policy");
    requireNonNull(rewards, "rewards");
    checkArgument(policy.length == rewards.length,
        "the policy has %s choices but the rewards %s: give one reward per choice", policy.length, rewards.length);
    checkArgument(n >= 1, "best-of-n needs n >= 1, but was %s", n);
    for (int i = 0; i < policy.length; i++) {
      checkArgument(policy[i] >= 0, "the probability of choice %s is %s: probabilities must be >= 0", (Integer) i, (Double) policy[i]);
      checkArgument(Double.isFinite(rewards[i]), "the reward of choice %s is %s: rewards must be finite", (Integer) i, (Double) rewards[i]);
    }
    Integer[] order = new Integer[policy.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -rewards[i]).thenComparingInt(i -> i));
    double[] out = new double[policy.length];
    double before = 0;
    for (int i : order) {
      double after = Math.min(1, before + policy[i]);
      out[i] = Math.pow(1 - before, n) - Math.pow(1 - after, n);
      before = after;
    }
    return out;
  }
}
