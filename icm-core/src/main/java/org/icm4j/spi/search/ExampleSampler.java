package org.icm4j.spi.search;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.random.RandomGenerator;

/**
 * Picks the example whose label the next annealing iteration proposes. Must be a pure function of
 * the view and the random generator (immutable, thread-safe) so that a seed fixes a run.
 */
@FunctionalInterface
public interface ExampleSampler {

  /**
   * Picks one example.
   *
   * @param view the current labeling
   * @param random the chain's random generator: the only source of randomness allowed
   * @return an index in {@code [0, view.size())}
   */
  int sample(SamplerView view, RandomGenerator random);

  /**
   * The paper's sampler (default with weight 100): every example has weight 1, except unlabelled
   * examples with a labelled group-mate, which have weight {@code boost}; so a group, once started,
   * is labelled before new groups are opened and consistency rules can act early.
   *
   * @param boost the boost
   * @return the paper's sampler (default with weight 100)
   */
  static ExampleSampler groupMatesFirst(double boost) {
    checkArgument(boost >= 1 && Double.isFinite(boost), "boost must be >= 1, but was %s", boost);
    return new ExampleSampler() {
      @Override
      public int sample(SamplerView view, RandomGenerator random) {
        int n = view.size();
        double total = 0;
        double[] cumulative = new double[n];
        for (int i = 0; i < n; i++) {
          total += view.label(i) < 0 && view.hasLabelledGroupMate(i) ? boost : 1.0;
          cumulative[i] = total;
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < n; i++) {
          if (r < cumulative[i]) {
            return i;
          }
        }
        return n - 1;
      }

      @Override
      public String toString() {
        return "groupMatesFirst(" + boost + ")";
      }
    };
  }

  /**
   * Every example equally likely.
   *
   * @return every example equally likely
   */
  static ExampleSampler uniform() {
    return new ExampleSampler() {
      @Override
      public int sample(SamplerView view, RandomGenerator random) {
        return random.nextInt(view.size());
      }

      @Override
      public String toString() {
        return "uniform";
      }
    };
  }
}
