package org.icm4j.djl.train;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.DoubleFunction;
import org.icm4j.IcmException;
import org.jspecify.annotations.Nullable;

/**
 * The epoch loop with early stopping that {@link LabelTraining} (the label fine-tuners) and {@link
 * BradleyTerryTrainer} (reward models) share, with its optimizer and its gradient step.
 *
 * <p><b>The rule.</b> Without a validation split every epoch runs and the last weights are kept
 * ({@code bestEpoch} = the last epoch). With one, the split is measured before training (epoch 0,
 * the base weights) and after every epoch; an epoch whose validation loss is strictly lower than
 * the lowest so far is the new best and its weights are copied. After {@code patience} epochs in a
 * row without a new best, training stops ({@code stoppedEarly}, unless that was the last epoch
 * anyway), and the best epoch's weights are put back: the base weights when no epoch beat them.
 *
 * <p><b>The optimizer.</b> Adam, or AdamW with {@link FineTuneOptions#weightDecay()} when that is
 * above 0, with a {@link WarmupCosine} learning rate over {@code maxEpochs} epochs.
 *
 * <p>Stateless; each {@link #run} is one training run on the caller's thread. Not for concurrent
 * runs on one model.
 */
final class EarlyStopping {
  private EarlyStopping() {}

  /**
   * What a trainer does in the loop. The trainer's own counts (steps, tokens) stay the trainer's.
   *
   * @param <M> what a validation measures (a loss, or a loss and an accuracy)
   */
  interface Epochs<M> {
    /** Trains one epoch (1-based) and returns its mean training loss. */
    double train(int epoch);

    /** Measures the validation split with the current weights, without gradients. */
    M validate();

    /** The loss of a measure: lower is better. */
    double loss(M measure);

    /** A copy of the current weights. */
    Map<String, float[]> snapshot();

    /** Puts back weights from {@link #snapshot()}. */
    void restore(Map<String, float[]> weights);

    /**
     * Called after each epoch.
     *
     * @param epoch the epoch, 1-based
     * @param trainLoss its mean training loss
     * @param validation its validation measure, or null without a validation split
     * @param improved whether it is the new best
     */
    void onEpoch(int epoch, double trainLoss, @Nullable M validation, boolean improved);
  }

  /**
   * What the loop did.
   *
   * @param epochs the epochs run
   * @param bestEpoch the epoch whose weights were kept (0: the base weights)
   * @param stoppedEarly whether the patience ran out before {@code maxEpochs}
   * @param lastTrainLoss the mean training loss of the last epoch
   * @param baseValidation the validation measure of the base weights, or null without a split
   * @param bestValidation the validation measure of the kept weights, or null without a split
   * @param <M> what a validation measures
   */
  record Outcome<M>(
      int epochs,
      int bestEpoch,
      boolean stoppedEarly,
      double lastTrainLoss,
      @Nullable M baseValidation,
      @Nullable M bestValidation) {}

  /**
   * Trains {@code model} with the optimizer of {@code options} for at most {@code maxEpochs}
   * epochs of {@code stepsPerEpoch} steps, stopping early on the validation split (the class
   * description has the rule).
   *
   * @param epochs makes the trainer's part of the loop from DJL's trainer and a manager for the
   *     run's arrays (both closed when the run ends)
   */
  static <M> Outcome<M> run(
      Model model,
      Device device,
      Loss loss,
      FineTuneOptions options,
      int stepsPerEpoch,
      boolean validating,
      BiFunction<Trainer, NDManager, Epochs<M>> epochs) {
    DefaultTrainingConfig config =
        new DefaultTrainingConfig(loss)
            .optOptimizer(optimizer(options, stepsPerEpoch))
            .optDevices(new Device[] {device});
    try (Trainer trainer = model.newTrainer(config);
        NDManager root = NDManager.newBaseManager(device)) {
      Epochs<M> e = requireNonNull(epochs.apply(trainer, root), "epochs");
      return loop(options.maxEpochs(), options.patience(), validating, e);
    }
  }

  /**
   * The loop itself, without DJL: {@code maxEpochs} epochs at most, stopping after {@code
   * patience} epochs without a new lowest validation loss (the class description has the rule).
   */
  static <M> Outcome<M> loop(int maxEpochs, int patience, boolean validating, Epochs<M> e) {
    Map<String, float[]> initial = validating ? e.snapshot() : Map.of();
    M base = null;
    M best = null;
    double bestLoss = Double.POSITIVE_INFINITY;
    if (validating) {
      base = e.validate();
      best = base;
      bestLoss = e.loss(base);
    }
    Map<String, float[]> bestWeights = null;
    int bestEpoch = 0;
    int sinceBest = 0;
    int done = 0;
    boolean stoppedEarly = false;
    double trainLoss = Double.NaN;
    for (int epoch = 1; epoch <= maxEpochs; epoch++) {
      trainLoss = e.train(epoch);
      done = epoch;
      M validation = validating ? e.validate() : null;
      boolean improved = validation != null && e.loss(validation) < bestLoss;
      if (improved) {
        bestLoss = e.loss(validation);
        bestEpoch = epoch;
        best = validation;
        bestWeights = e.snapshot();
        sinceBest = 0;
      } else if (validating) {
        sinceBest++;
      }
      e.onEpoch(epoch, trainLoss, validation, improved);
      if (validating && sinceBest >= patience && epoch < maxEpochs) {
        stoppedEarly = true;
        break;
      }
    }
    if (validating) {
      e.restore(bestWeights != null ? bestWeights : initial);
    } else {
      bestEpoch = done;
    }
    return new Outcome<>(done, bestEpoch, stoppedEarly, trainLoss, base, best);
  }

  /**
   * Adam (AdamW when {@link FineTuneOptions#weightDecay()} is above 0) with the {@link
   * WarmupCosine} rate of {@code options} over {@code maxEpochs} epochs of {@code stepsPerEpoch}
   * steps (at least one step in all).
   */
  static Optimizer optimizer(FineTuneOptions options, int stepsPerEpoch) {
    int totalSteps = Math.max(1, stepsPerEpoch * options.maxEpochs());
    WarmupCosine schedule =
        new WarmupCosine(
            options.learningRate(), Math.min(options.warmupSteps(), totalSteps), totalSteps,
            options.finalLearningRate());
    return options.weightDecay() > 0
        ? Optimizer.adamW()
            .optLearningRateTracker(schedule)
            .optWeightDecays((float) options.weightDecay())
            .build()
        : Optimizer.adam().optLearningRateTracker(schedule).build();
  }

  /**
   * One optimizer step: forward, loss, backward, update.
   *
   * @param failure the message for a loss that is not finite, given the loss
   * @return the batch's loss
   * @throws IcmException when the loss is NaN or infinite (the weights are then not updated)
   */
  static double step(
      Trainer trainer, NDList inputs, NDList labels, Loss loss, DoubleFunction<String> failure) {
    double value;
    try (GradientCollector collector = trainer.newGradientCollector()) {
      NDList predictions = trainer.forward(inputs);
      NDArray l = loss.evaluate(labels, new NDList(predictions.head()));
      collector.backward(l);
      value = l.getFloat();
    }
    if (!Double.isFinite(value)) {
      throw new IcmException(failure.apply(value));
    }
    trainer.step();
    return value;
  }
}
