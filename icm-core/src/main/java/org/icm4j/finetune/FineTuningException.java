package org.icm4j.finetune;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.icm4j.IcmException;
import org.icm4j.Labeling;

/**
 * A fine-tuner failed during {@link IterativeFineTuning#run}: the message names the round, the
 * cause is the fine-tuner's exception, and what the run finished before it is kept here: the rounds
 * done and the labels of every batch labelled so far (the failed round's batch included, since it
 * was labelled before the fine-tuning). With {@link IterativeFineTuning.Builder#checkpoint} set, a
 * run with the same checkpoint resumes from the last finished round. Immutable.
 */
public final class FineTuningException extends IcmException {
  private static final long serialVersionUID = 1L;

  /** The round this failure names; serialized with it. */
  private final int round;
  private final transient List<FineTuningRound> completedRounds;
  private final transient Labeling labels;

  /**
   * @param message what failed, naming the round, and what to do
   * @param round the round whose fine-tuning failed
   * @param completedRounds the rounds finished before it
   * @param labels ICM's labels of the batches labelled so far
   * @param cause the fine-tuner's exception
   */
  public FineTuningException(
      String message, int round, List<FineTuningRound> completedRounds, Labeling labels, Throwable cause) {
    super(message, requireNonNull(cause, "cause"));
    this.round = round;
    this.completedRounds = List.copyOf(completedRounds);
    this.labels = requireNonNull(labels, "labels");
  }

  /**
   * The 0-based round whose fine-tuning failed.
   *
   * @return the 0-based round whose fine-tuning failed
   */
  public int round() {
    return round;
  }

  /**
   * The rounds finished before the failure, in order.
   *
   * @return the rounds finished before the failure, in order
   */
  public List<FineTuningRound> completedRounds() {
    return completedRounds;
  }

  /**
   * ICM's labels of every batch labelled before the failure (the failed round's batch included).
   *
   * @return ICM's labels of every batch labelled before the failure (the failed round's batch
   *     included)
   */
  public Labeling labels() {
    return labels;
  }
}
