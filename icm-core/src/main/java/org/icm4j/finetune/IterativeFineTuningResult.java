package org.icm4j.finetune;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;
import org.icm4j.Labeling;
import org.icm4j.result.IcmResult;
import org.icm4j.spi.finetune.FineTunedModel;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of {@link IterativeFineTuning#run}: ICM's result over all batches, one record per
 * round, and the final model. Immutable and thread-safe, except that {@link #close()} releases the
 * final model.
 *
 * @param icm ICM's result: the labels of every batch, U summed over batches, counts, provenance
 *     (whose {@code scorer} entry names the loop's counting wrapper)
 * @param rounds one record per labelled batch, in order
 * @param finalModel the base model fine-tuned on every label of the run (after a cancelled run:
 *     the latest model); {@code null} when nothing was fine-tuned (no example got a label)
 */
public record IterativeFineTuningResult(
    IcmResult icm, List<FineTuningRound> rounds, @Nullable FineTunedModel finalModel)
    implements AutoCloseable {

  /**
   * Validates and copies.
   *
   * @param icm ICM's result: the labels of every batch, U summed over batches, counts, provenance
   *     (whose {@code scorer} entry names the loop's counting wrapper)
   * @param rounds one record per labelled batch, in order
   * @param finalModel the base model fine-tuned on every label of the run (after a cancelled run:
   *     the latest model); {@code null} when nothing was fine-tuned (no example got a label)
   */
  public IterativeFineTuningResult {
    requireNonNull(icm, "icm");
    rounds = List.copyOf(requireNonNull(rounds, "rounds"));
  }

  /**
   * The final model, when one was fine-tuned.
   *
   * @return the final model, when one was fine-tuned
   */
  public Optional<FineTunedModel> model() {
    return Optional.ofNullable(finalModel);
  }

  /**
   * The labels ICM chose for every example.
   *
   * @return the labels ICM chose for every example
   */
  public Labeling labels() {
    return icm.labels();
  }

  /** Closes the final model, if any. */
  @Override
  public void close() {
    if (finalModel != null) {
      finalModel.close();
    }
  }
}
