package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.InvalidScoreException;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.GptConfig;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.spi.reward.RewardModel;
import org.jspecify.annotations.Nullable;

/**
 * Reinforcement learning in miniature: improves a {@link ChoicePolicy} with a {@link RewardModel}
 * by REINFORCE with a leave-one-out baseline and a KL penalty toward the starting policy, the
 * policy-gradient step of RLHF on questions with a finite set of answers.
 *
 * <pre>{@code
 * try (PolicyGradient rl = PolicyGradient.builder().base(lm).tokenizer(tokenizer).build();
 *     ChoicePolicy tuned = rl.train(questions, rewardModel, 1)) {
 *   double[] p = tuned.probabilities(heldOutQuestion);
 * }
 * }</pre>
 *
 * <p><b>A step.</b> {@link PolicyGradientOptions#questionsPerStep()} training questions (visited in
 * an order drawn from the seed, epoch after epoch); for each, {@link
 * PolicyGradientOptions#samplesPerQuestion()} answers drawn from the current policy (a generator
 * derived from the seed and the step); each answer's advantage is its reward minus the mean reward
 * of the question's other draws, divided by the standard deviation of the rewards of all choices
 * of all training questions (so that reward models of different scales train alike); the loss is
 * {@code -mean(advantage * log pi(answer))} plus {@link PolicyGradientOptions#klWeight()} times the
 * mean {@code KL(pi || pi_0)} over the step's questions, exact over their choices; one Adam step.
 * The reward model is asked once, for every choice of every question, before training (it does
 * not change), and never sees anything but the choices' claims.
 *
 * <p><b>Determinism.</b> Every call starts from the weights the base model had when the trainer
 * was built (a copy); the same questions, reward model and seed give the same policy, bit for bit
 * (same machine and thread count). Training runs under the same JVM-wide lock as the other
 * trainers of this package, with denormal floats flushed to zero where possible; {@link #train} is
 * serialized. The returned policy owns its model; close it. {@link #close()} releases nothing the
 * caller gave.
 */
public final class PolicyGradient implements AutoCloseable {

  private final BaseWeights base;
  private final GptConfig config;
  private final TextTokenizer tokenizer;
  private final PolicyGradientOptions options;
  private final PolicyGradientListener listener;

  private PolicyGradient(Builder b, BaseWeights base) {
    this.base = base;
    this.config = base.config();
    this.tokenizer = requireNonNull(b.tokenizer);
    this.options = b.options;
    this.listener = b.listener;
  }

  /** A builder; {@link Builder#base} and {@link Builder#tokenizer} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The settings. */
  public PolicyGradientOptions options() {
    return options;
  }

  /**
   * A new copy of the base model as a policy (untrained), owning the copy.
   *
   * @return the policy; close it when done
   */
  public ChoicePolicy basePolicy() {
    return new ChoicePolicy(base.copy(), tokenizer, true);
  }

  /**
   * Trains a copy of the base model as a policy on the questions, rewarded by {@code reward}.
   *
   * @param questions the training questions, at least one, distinct ids
   * @param reward the reward model, asked once for every choice's claim
   * @param seed the seed of the question order and the draws
   * @return the trained policy, owning its model; close it when done
   * @throws InvalidScoreException naming the claim when the reward model gives a non-finite reward
   *     or the wrong number of rewards
   * @throws IcmException when a prompt or choice does not fit the model, or the loss becomes NaN
   */
  public synchronized ChoicePolicy train(List<ChoiceQuestion> questions, RewardModel reward, long seed) {
    requireNonNull(questions, "questions");
    requireNonNull(reward, "reward");
    checkArgument(!questions.isEmpty(), "policy-gradient training needs at least one question");
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (ChoiceQuestion q : questions) {
      checkArgument(ids.add(requireNonNull(q, "questions must not contain null").id()),
          "question id '%s' occurs more than once: ids must be unique", q.id());
    }
    List<ChoiceQuestion> qs = List.copyOf(questions);
    double[][] rewards = rewards(qs, reward);
    double scale = spread(rewards);
    BlockLm lm = base.copy();
    try {
      ChoicePolicy view = ChoicePolicy.over(lm, tokenizer);
      List<double[]> start = view.probabilities(qs);
      TrainingLock.run(() -> Denormals.flushed(() -> {
        loop(lm, view, qs, rewards, scale, start, seed);
        return Boolean.TRUE;
      }));
      return new ChoicePolicy(lm, tokenizer, true);
    } catch (RuntimeException | Error e) {
      lm.close();
      throw e;
    }
  }

  private static double[][] rewards(List<ChoiceQuestion> qs, RewardModel reward) {
    List<Example> claims = new ArrayList<>();
    for (ChoiceQuestion q : qs) {
      for (Choice c : q.choices()) {
        claims.add(c.claim());
      }
    }
    double[] flat = RewardModel.checkedRewards(reward, claims);
    double[][] out = new double[qs.size()][];
    int k = 0;
    for (int q = 0; q < qs.size(); q++) {
      out[q] = new double[qs.get(q).size()];
      for (int c = 0; c < out[q].length; c++, k++) {
        out[q][c] = flat[k];
      }
    }
    return out;
  }

  /** The standard deviation of all rewards, or 1 when they are all equal. */
  private static double spread(double[][] rewards) {
    double sum = 0;
    int n = 0;
    for (double[] row : rewards) {
      for (double r : row) {
        sum += r;
        n++;
      }
    }
    double mean = sum / n;
    double var = 0;
    for (double[] row : rewards) {
      for (double r : row) {
        var += (r - mean) * (r - mean);
      }
    }
    double sd = Math.sqrt(var / n);
    return sd > 1e-12 ? sd : 1;
  }

  private void loop(
      BlockLm lm, ChoicePolicy view, List<ChoiceQuestion> qs, double[][] rewards, double scale,
      List<double[]> start, long seed) {
    long t0 = System.nanoTime();
    ChoiceBatches batches = new ChoiceBatches(tokenizer, config.vocabularySize(), config.maxLength());
    Optimizer optimizer = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) options.learningRate())).build();
    PolicyGradientLoss loss = new PolicyGradientLoss();
    DefaultTrainingConfig trainingConfig =
        new DefaultTrainingConfig(loss).optOptimizer(optimizer).optDevices(new Device[] {lm.device()});
    List<Integer> order = new ArrayList<>();
    int next = 0;
    int epoch = 0;
    try (Trainer trainer = lm.model().newTrainer(trainingConfig);
        NDManager root = NDManager.newBaseManager(lm.device())) {
      for (int step = 1; step <= options.steps(); step++) {
        List<Integer> picked = new ArrayList<>();
        while (picked.size() < Math.min(options.questionsPerStep(), qs.size())) {
          if (next == order.size()) {
            order.clear();
            for (int i = 0; i < qs.size(); i++) {
              order.add(i);
            }
            GroupSplit.shuffle(order, new SplittableRandom(GroupSplit.derive(seed, 0x90E0000L + epoch++)));
            next = 0;
          }
          picked.add(order.get(next++));
        }
        PolicyStep report = step(trainer, root, batches, loss, qs, picked, rewards, scale, start, seed, step, t0);
        listener.onStep(report, view);
      }
    }
  }

  private PolicyStep step(
      Trainer trainer, NDManager root, ChoiceBatches batches, PolicyGradientLoss loss, List<ChoiceQuestion> qs,
      List<Integer> picked, double[][] rewards, double scale, List<double[]> start, long seed, int step, long t0) {
    List<ChoiceQuestion> chosen = new ArrayList<>();
    for (int i : picked) {
      chosen.add(qs.get(i));
    }
    SplittableRandom rng = new SplittableRandom(GroupSplit.derive(seed, 0x5A3E0000L + step));
    int k = options.samplesPerQuestion();
    double rewardSum = 0;
    double klSum = 0;
    double value;
    try (NDManager m = root.newSubManager()) {
      ChoiceBatches.Batch b = batches.batch(m, chosen);
      int width = b.width();
      int nq = chosen.size();
      try (GradientCollector collector = trainer.newGradientCollector()) {
        NDArray logits = trainer.forward(new NDList(b.inputs())).head();
        NDArray logPi = ChoiceBatches.logPolicy(b.labels(), logits, nq, width);
        float[] current = logPi.toFloatArray();
        float[] w = new float[nq * width];
        float[] kl = new float[nq * width];
        float[] reference = new float[nq * width];
        for (int q = 0; q < nq; q++) {
          int qi = picked.get(q);
          int size = chosen.get(q).size();
          double[] p = new double[size];
          for (int c = 0; c < size; c++) {
            p[c] = Math.exp(current[q * width + c]);
            double p0 = start.get(qi)[c];
            reference[q * width + c] = (float) Math.log(Math.max(p0, 1e-30));
            kl[q * width + c] = (float) (options.klWeight() / nq);
            klSum += p[c] > 0 ? p[c] * (current[q * width + c] - reference[q * width + c]) : 0;
          }
          int[] draws = new int[k];
          double total = 0;
          for (int s = 0; s < k; s++) {
            draws[s] = ChoicePolicy.draw(p, rng);
            total += rewards[qi][draws[s]];
          }
          rewardSum += total;
          for (int s = 0; s < k; s++) {
            double r = rewards[qi][draws[s]];
            double advantage = (r - (total - r) / (k - 1)) / scale;
            w[q * width + draws[s]] += (float) (advantage / (nq * k));
          }
        }
        Shape shape = new Shape(nq, width);
        NDList labels =
            new NDList(
                ChoiceBatches.floats(m, w, shape), ChoiceBatches.floats(m, kl, shape), ChoiceBatches.floats(m, reference, shape));
        NDArray l = loss.evaluate(labels, new NDList(logPi));
        collector.backward(l);
        value = l.getFloat();
      }
      if (!Double.isFinite(value)) {
        throw new IcmException("the policy-gradient loss became " + value + " in step " + step + ": lower the learning rate");
      }
      trainer.step();
      return new PolicyStep(
          step, options.steps(), rewardSum / (nq * k), klSum / nq, Duration.ofNanos(System.nanoTime() - t0));
    }
  }

  /** Nothing to release: the trainer holds a copy of the base weights in Java arrays only. */
  @Override
  public void close() {}

  /** Configures a {@link PolicyGradient}. Each setter checks its value at once. Not thread-safe. */
  public static final class Builder {
    private @Nullable BlockLm base;
    private @Nullable Path baseDirectory;
    private @Nullable TextTokenizer tokenizer;
    private PolicyGradientOptions options = PolicyGradientOptions.defaults();
    private PolicyGradientListener listener = (s, p) -> {};

    private Builder() {}

    /**
     * The starting policy's model (this or {@link #base(Path)} is required). Its weights are copied
     * when {@link #build()} runs; the model stays the caller's and is never changed.
     */
    public Builder base(BlockLm base) {
      this.base = requireNonNull(base, "base");
      this.baseDirectory = null;
      return this;
    }

    /** The starting model as a directory saved by {@link BlockLm#save}, loaded on the CPU by {@link #build()}. */
    public Builder base(Path directory) {
      this.baseDirectory = requireNonNull(directory, "directory");
      this.base = null;
      return this;
    }

    /** The model's tokenizer (required); not closed by the trainer. */
    public Builder tokenizer(TextTokenizer tokenizer) {
      this.tokenizer = requireNonNull(tokenizer, "tokenizer");
      return this;
    }

    /** The settings; default {@link PolicyGradientOptions#defaults()}. */
    public Builder options(PolicyGradientOptions options) {
      this.options = requireNonNull(options, "options");
      return this;
    }

    /** Receives every step. */
    public Builder listener(PolicyGradientListener listener) {
      this.listener = requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Builds the trainer, copying the base model's weights.
     *
     * @throws IllegalStateException when the base model or the tokenizer is missing
     */
    public PolicyGradient build() {
      BaseWeights weights = BaseWeights.of(base, baseDirectory);
      checkState(tokenizer != null, "no tokenizer set: call tokenizer(TextTokenizer)");
      return new PolicyGradient(this, weights);
    }
  }
}
