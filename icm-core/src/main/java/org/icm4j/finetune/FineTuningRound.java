package org.icm4j.finetune;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.icm4j.Labeling;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.RunCounts;

/**
 * One round of {@link IterativeFineTuning}: ICM labelled one batch with the current model, then a
 * model was fine-tuned from the base model on all the labels so far. Immutable and thread-safe.
 *
 * @param index the 0-based round, the same as the batch's index
 * @param labelledWith the round whose model labelled this batch ({@code -1}: the base model)
 * @param batch ICM's summary of the batch (U, P, I and every chain)
 * @param batchLabels ICM's labels of the batch's examples (some may be unlabelled)
 * @param labellingCost the work of labelling the batch: iterations and accepted moves of its
 *     chains, and the scorer calls, scored queries and tokens the scorer was asked for
 * @param labellingTime wall-clock time of ICM on the batch
 * @param fineTuned whether a model was fine-tuned after this batch (false when no example of the
 *     batches so far had a label; the current model then stays)
 * @param trainedOn the labelled examples the model was fine-tuned on (all batches so far)
 * @param fineTuningTime wall-clock time of the fine-tuning ({@link Duration#ZERO} when none)
 * @param fineTuningDetails what the fine-tuner reported ({@link
 *     org.icm4j.spi.finetune.FineTunedModel#details()}), in its order
 */
public record FineTuningRound(
    int index,
    int labelledWith,
    BatchSummary batch,
    Labeling batchLabels,
    RunCounts labellingCost,
    Duration labellingTime,
    boolean fineTuned,
    int trainedOn,
    Duration fineTuningTime,
    Map<String, String> fineTuningDetails) {

  /**
   * Validates and copies.
   *
   * @param index the 0-based round, the same as the batch's index
   * @param labelledWith the round whose model labelled this batch ({@code -1}: the base model)
   * @param batch ICM's summary of the batch (U, P, I and every chain)
   * @param batchLabels ICM's labels of the batch's examples (some may be unlabelled)
   * @param labellingCost the work of labelling the batch: iterations and accepted moves of its
   *     chains, and the scorer calls, scored queries and tokens the scorer was asked for
   * @param labellingTime wall-clock time of ICM on the batch
   * @param fineTuned whether a model was fine-tuned after this batch (false when no example of the
   *     batches so far had a label; the current model then stays)
   * @param trainedOn the labelled examples the model was fine-tuned on (all batches so far)
   * @param fineTuningTime wall-clock time of the fine-tuning ({@link Duration#ZERO} when none)
   * @param fineTuningDetails what the fine-tuner reported ({@link
   *     org.icm4j.spi.finetune.FineTunedModel#details()}), in its order
   */
  public FineTuningRound {
    checkArgument(index >= 0, "index must be >= 0, but was %s", index);
    checkArgument(labelledWith >= -1 && labelledWith < index, "labelledWith must be in [-1, %s), but was %s", index, labelledWith);
    requireNonNull(batch, "batch");
    requireNonNull(batchLabels, "batchLabels");
    requireNonNull(labellingCost, "labellingCost");
    requireNonNull(labellingTime, "labellingTime");
    checkArgument(trainedOn >= 0, "trainedOn must be >= 0, but was %s", trainedOn);
    requireNonNull(fineTuningTime, "fineTuningTime");
    fineTuningDetails =
        Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(fineTuningDetails, "fineTuningDetails")));
  }
}
