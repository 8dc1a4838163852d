package org.icm4j.internal;

import java.util.random.RandomGenerator;

/**
 * SplitMix64 (Steele, Lea, Flood 2014): a small generator whose whole state is one {@code long},
 * so that a checkpoint can save it and a resumed run continues with the same numbers. Not
 * thread-safe.
 */
public final class SplitMix64 implements RandomGenerator {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;
  private long state;

  public SplitMix64(long seed) {
    this.state = seed;
  }

  @Override
  public long nextLong() {
    return mix(state += GOLDEN_GAMMA);
  }

  /** The state, to save. */
  public long state() {
    return state;
  }

  /** Restores a saved state. */
  public void setState(long state) {
    this.state = state;
  }

  /** The SplitMix64 finalizer: a bijective mix of 64 bits. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** A seed for a sub-stream, derived from a parent seed and indices. */
  public static long derive(long seed, long... indices) {
    long h = mix(seed ^ 0x5851f42d4c957f2dL);
    for (long i : indices) {
      h = mix(h + GOLDEN_GAMMA * (i + 1));
    }
    return h;
  }
}
