package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.TextTokenizer;

/**
 * A policy that answers a {@link ChoiceQuestion} by generating one of its choices with a {@link
 * BlockLm}: the probability of a choice is the model's probability of the choice's tokens after
 * the prompt, normalized over the question's choices (the model sampling the next value after
 * {@code "e12 colour"}, restricted to the relation's values). {@link PolicyGradient} improves it
 * with a reward model; {@link BestOfN} selects among its samples.
 *
 * <pre>{@code
 * try (ChoicePolicy base = ChoicePolicy.over(lm, tokenizer)) {
 *   double[] p = base.probabilities(question);                // over question.choices()
 *   Choice answer = question.choices().get(base.sample(question, new SplittableRandom(1)));
 * }
 * }</pre>
 *
 * <p>Not thread-safe in the sense of its model: the calls are serialized, and the {@link BlockLm}
 * must not be used elsewhere meanwhile. {@link #close()} closes the model when the policy owns it
 * (policies returned by {@link PolicyGradient#train} and {@link #load} do), never the tokenizer.
 */
public final class ChoicePolicy implements AutoCloseable {

  /** Questions per forward pass when computing probabilities. */
  private static final int BATCH = 32;

  private final BlockLm lm;
  private final TextTokenizer tokenizer;
  private final ChoiceBatches batches;
  private final boolean ownsModel;
  private boolean closed;

  ChoicePolicy(BlockLm lm, TextTokenizer tokenizer, boolean ownsModel) {
    this.lm = requireNonNull(lm, "lm");
    this.tokenizer = requireNonNull(tokenizer, "tokenizer");
    this.batches = new ChoiceBatches(tokenizer, lm.config().vocabularySize(), lm.config().maxLength());
    this.ownsModel = ownsModel;
  }

  /**
   * A policy over a model the caller keeps (closing the policy does not close it).
   *
   * @param lm the model
   * @param tokenizer its tokenizer
   * @return the policy
   */
  public static ChoicePolicy over(BlockLm lm, TextTokenizer tokenizer) {
    return new ChoicePolicy(lm, tokenizer, false);
  }

  /**
   * Loads a policy saved by {@link #save}; the policy owns the model.
   *
   * @param dir the directory ({@link BlockLm#load})
   * @param tokenizer the model's tokenizer (not closed by the policy)
   * @param device where the parameters will live
   * @return the policy; close it when done
   */
  public static ChoicePolicy load(Path dir, TextTokenizer tokenizer, Device device) {
    BlockLm lm = BlockLm.load(dir, device);
    try {
      return new ChoicePolicy(lm, tokenizer, true);
    } catch (RuntimeException e) {
      lm.close();
      throw e;
    }
  }

  /**
   * The model; valid until {@link #close()} when this policy owns it.
   *
   * @return the model
   */
  public BlockLm model() {
    return lm;
  }

  /**
   * The tokenizer.
   *
   * @return the tokenizer
   */
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  /**
   * The probability of each choice of a question.
   *
   * @param question the question
   * @return one probability per choice, in order, summing to 1
   * @throws org.icm4j.IcmException when a prompt or choice does not fit the model (naming it)
   */
  public double[] probabilities(ChoiceQuestion question) {
    return probabilities(List.of(requireNonNull(question, "question"))).get(0);
  }

  /**
   * The probability of each choice of each question, computed in batches.
   *
   * @param questions the questions
   * @return per question, one probability per choice
   */
  public synchronized List<double[]> probabilities(List<ChoiceQuestion> questions) {
    requireNonNull(questions, "questions");
    checkState(!closed, "this ChoicePolicy is closed");
    List<double[]> out = new ArrayList<>(questions.size());
    try (NDManager root = NDManager.newBaseManager(lm.device())) {
      for (int from = 0; from < questions.size(); from += BATCH) {
        List<ChoiceQuestion> chunk = questions.subList(from, Math.min(questions.size(), from + BATCH));
        try (NDManager step = root.newSubManager()) {
          ChoiceBatches.Batch b = batches.batch(step, chunk);
          NDArray logits =
              lm.model().getBlock().forward(new ParameterStore(step, false), new NDList(b.inputs()), false).head();
          float[] log = ChoiceBatches.logPolicy(b.labels(), logits, b.questions(), b.width()).toFloatArray();
          for (int q = 0; q < chunk.size(); q++) {
            double[] p = new double[chunk.get(q).size()];
            for (int c = 0; c < p.length; c++) {
              p[c] = Math.exp(log[q * b.width() + c]);
            }
            out.add(p);
          }
        }
      }
    }
    return out;
  }

  /**
   * Draws one choice of a question.
   *
   * @param question the question
   * @param rng the generator (the caller's seed)
   * @return the index of the choice drawn
   */
  public int sample(ChoiceQuestion question, SplittableRandom rng) {
    requireNonNull(rng, "rng");
    return draw(probabilities(question), rng);
  }

  /** The index drawn from a distribution (the last one for the rounding left over). */
  static int draw(double[] p, SplittableRandom rng) {
    double u = rng.nextDouble();
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      sum += p[i];
      if (u < sum) {
        return i;
      }
    }
    return p.length - 1;
  }

  /**
   * Saves the policy's model in {@code dir} ({@link BlockLm#save}).
   *
   * @param dir the directory
   */
  public synchronized void save(Path dir) {
    checkState(!closed, "this ChoicePolicy is closed");
    lm.save(dir);
  }

  /** Closes the model when this policy owns it. Calling it again does nothing. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      if (ownsModel) {
        lm.close();
      }
    }
  }

  @Override
  public String toString() {
    return "ChoicePolicy(" + lm.config() + ")";
  }
}
