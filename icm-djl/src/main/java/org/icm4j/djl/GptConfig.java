package org.icm4j.djl;

/**
 * The shape of a {@link GptBlock}: vocabulary, context length, depth and widths, and the seed its
 * weights are drawn from.
 *
 * <p>Immutable and thread-safe. The compact constructor rejects impossible shapes with a message
 * that names the value given.
 *
 * <pre>{@code
 * GptConfig tiny = new GptConfig(32, 128, 2, 2, 32, 128, 42L);
 * }</pre>
 *
 * @param vocabularySize number of token ids (ids are {@code 0 .. vocabularySize - 1}), at least 1
 * @param maxLength the longest sequence the model reads (number of learned positions), at least 1
 * @param layers number of transformer blocks, at least 1
 * @param heads attention heads per block, at least 1; must divide {@code embedding}
 * @param embedding width of the residual stream (token and position embeddings), at least 1
 * @param mlpHidden width of the hidden layer of each block's MLP, at least 1 (usually {@code 4 *
 *     embedding})
 * @param seed the seed of the initial weights: the same seed gives the same weights, bit for bit
 */
public record GptConfig(
    int vocabularySize,
    int maxLength,
    int layers,
    int heads,
    int embedding,
    int mlpHidden,
    long seed) {

  /**
   * Validates the shape; see the record description for the rules.
   *
   * @param vocabularySize number of token ids (ids are {@code 0 .. vocabularySize - 1}), at least 1
   * @param maxLength the longest sequence the model reads (number of learned positions), at least 1
   * @param layers number of transformer blocks, at least 1
   * @param heads attention heads per block, at least 1; must divide {@code embedding}
   * @param embedding width of the residual stream (token and position embeddings), at least 1
   * @param mlpHidden width of the hidden layer of each block's MLP, at least 1 (usually {@code 4 *
   *     embedding})
   * @param seed the seed of the initial weights: the same seed gives the same weights, bit for bit
   */
  public GptConfig {
    checkPositive("vocabularySize", vocabularySize);
    checkPositive("maxLength", maxLength);
    checkPositive("layers", layers);
    checkPositive("heads", heads);
    checkPositive("embedding", embedding);
    checkPositive("mlpHidden", mlpHidden);
    if (embedding % heads != 0) {
      throw new IllegalArgumentException(
          "embedding must be divisible by heads, but embedding was "
              + embedding
              + " and heads "
              + heads);
    }
  }

  /**
   * Width of one attention head: {@code embedding / heads}.
   *
   * @return width of one attention head
   */
  public int headSize() {
    return embedding / heads;
  }

  /**
   * This configuration with another seed.
   *
   * @param newSeed the seed of the initial weights
   * @return this configuration with another seed
   */
  public GptConfig withSeed(long newSeed) {
    return new GptConfig(
        vocabularySize, maxLength, layers, heads, embedding, mlpHidden, newSeed);
  }

  /**
   * Number of trainable parameters (scalars) of a {@link GptBlock} with this configuration; the
   * output head is tied to the token embedding and adds none.
   *
   * @return number of trainable parameters (scalars) of a {@link GptBlock} with this configuration
   */
  public long parameterCount() {
    long d = embedding;
    long perLayer =
        2 * d // first LayerNorm
            + 3 * d * d + 3 * d // query, key and value projection
            + d * d + d // attention output projection
            + 2 * d // second LayerNorm
            + d * mlpHidden + mlpHidden // MLP in
            + (long) mlpHidden * d + d; // MLP out
    return (long) vocabularySize * d + (long) maxLength * d + layers * perLayer + 2 * d;
  }

  private static void checkPositive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, but was " + value);
    }
  }
}
