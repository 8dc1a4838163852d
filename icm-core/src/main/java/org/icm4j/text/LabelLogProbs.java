package org.icm4j.text;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;

/**
 * The exact log-probability of each label after a query, from a causal model's logits: for every
 * label of the space, the sum over its tokens of the log-softmax over the full vocabulary, the
 * first token read from the logits at the query's last position and each further token from the
 * logits after the label's earlier tokens. Every in-process adapter (icm-djl's {@code DjlScorer},
 * icm-onnx's {@code OnnxScorer}) computes a label row this way, with the same check that the
 * result is finite. Stateless and thread-safe.
 *
 * <pre>{@code
 * double[] row = LabelLogProbs.row(query, space, promptTokens, vocabularySize,
 *     logitsAtQueryEnd, 0,                       // one row of vocabularySize floats
 *     labelPrefix -> model.readAfterQuery(labelPrefix)); // [labelPrefix.length * vocabularySize]
 * }</pre>
 */
public final class LabelLogProbs {

  /**
   * Reads a label's tokens but its last after the query and returns the logits after each: the
   * model's key/value cache at the query's end (or the tokens up to it) followed by {@code tokens}.
   * Called once per label of more than one token; what it reads must not change what the next
   * label is read after.
   */
  @FunctionalInterface
  public interface Continuation {

    /**
     * The logits after each of {@code tokens}, read after the query.
     *
     * @param tokens a label's tokens without its last, at least one
     * @return {@code tokens.length} rows of the vocabulary's logits, row after row
     */
    float[] logits(long[] tokens);
  }

  private LabelLogProbs() {}

  /**
   * The log-softmax of one row of logits at one token, in double precision: {@code logits[offset
   * + token] - log(sum_v exp(logits[offset + v]))}, with the maximum subtracted before the sum.
   *
   * @param logits rows of logits
   * @param offset where the row starts
   * @param vocabularySize the row's length
   * @param token the token, in {@code [0, vocabularySize)}
   * @return its log-probability (not finite when a logit is not)
   * @throws IllegalArgumentException when the row or the token lies outside the array or row
   */
  public static double logSoftmax(float[] logits, int offset, int vocabularySize, int token) {
    requireNonNull(logits, "logits");
    if (vocabularySize < 1 || offset < 0 || (long) offset + vocabularySize > logits.length) {
      throw new IllegalArgumentException(
          "a row of " + vocabularySize + " logits at offset " + offset + " does not fit "
              + logits.length + " logits: give the model's vocabulary size");
    }
    if (token < 0 || token >= vocabularySize) {
      throw new IllegalArgumentException(
          "token " + token + " is outside the vocabulary [0, " + vocabularySize + ")");
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocabularySize; i++) {
      max = Math.max(max, logits[offset + i]);
    }
    double z = 0;
    for (int i = 0; i < vocabularySize; i++) {
      z += Math.exp(logits[offset + i] - max);
    }
    return logits[offset + token] - (max + Math.log(z));
  }

  /**
   * The label row of a query: entry {@code k} is the log-probability of {@code space.name(k)}'s
   * tokens ({@link PromptTokens#label}) after the query.
   *
   * @param query the example scored (named in the error)
   * @param space the labels, in row order
   * @param text the token ids of the labels
   * @param vocabularySize the length of one row of logits
   * @param logits the logits at the query's last position, from {@code offset}
   * @param offset where that row starts in {@code logits}
   * @param continuation reads a label's earlier tokens after the query (for labels of several
   *     tokens)
   * @return a new array of {@code space.size()} finite log-probabilities
   * @throws IcmException naming the label and the example when a log-probability is not finite (the
   *     model's logits are not), or when the continuation returns the wrong number of logits
   */
  public static double[] row(
      Example query,
      LabelSpace space,
      PromptTokens text,
      int vocabularySize,
      float[] logits,
      int offset,
      Continuation continuation) {
    requireNonNull(query, "query");
    requireNonNull(space, "space");
    requireNonNull(text, "text");
    requireNonNull(continuation, "continuation");
    double[] row = new double[space.size()];
    for (int k = 0; k < space.size(); k++) {
      long[] tokens = text.label(space.name(k));
      double lp = logSoftmax(logits, offset, vocabularySize, (int) tokens[0]);
      if (tokens.length > 1) {
        float[] rest = continuation.logits(Arrays.copyOf(tokens, tokens.length - 1));
        if (rest.length != (long) (tokens.length - 1) * vocabularySize) {
          throw new IcmException(
              "the model returned " + rest.length + " logits for the " + (tokens.length - 1)
                  + " earlier tokens of label '" + space.name(k) + "' after example '"
                  + query.id() + "', not " + (tokens.length - 1) + " x " + vocabularySize
                  + ": the adapter must return one row of the vocabulary per token",
              query.id(),
              null);
        }
        for (int j = 1; j < tokens.length; j++) {
          lp += logSoftmax(rest, (j - 1) * vocabularySize, vocabularySize, (int) tokens[j]);
        }
      }
      if (!Double.isFinite(lp)) {
        throw new IcmException(
            "the model gave label '" + space.name(k) + "' of example '" + query.id()
                + "' a log-probability of " + lp + ": the model's logits are not finite",
            query.id(),
            null);
      }
      row[k] = lp;
    }
    return row;
  }
}
