package org.icm4j.djl.train;

import java.util.SplittableRandom;

/**
 * A deterministic source of training text for a causal language model: token windows drawn with a
 * caller-supplied random generator.
 *
 * <p>Contract: {@link #window} depends only on the generator's state and {@code length}; given a
 * generator in the same state it returns the same tokens, bit for bit. This is what makes a
 * training run repeatable and resumable ({@link LmTrainer} draws batch {@code i} from a generator
 * seeded from the run's seed and {@code i}). Every token is in {@code [0, vocabularySize())}.
 *
 * <p>Implementations should be immutable and thread-safe (all randomness comes from the
 * argument).
 */
public interface Corpus {

  /**
   * Number of token ids; every token returned by {@link #window} is below it. At least 1.
   *
   * @return number of token ids
   */
  int vocabularySize();

  /**
   * A window of {@code length} consecutive tokens of training text.
   *
   * @param rng the source of randomness; the only one the implementation may use
   * @param length the number of tokens, at least 1
   * @return a new array of exactly {@code length} tokens, each in {@code [0, vocabularySize())}
   */
  long[] window(SplittableRandom rng, int length);
}
