package org.icm4j.eval;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.finetune.FineTuningRound;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.finetune.FineTuningListener;

/**
 * Measures each round of {@link org.icm4j.finetune.IterativeFineTuning} against gold labels the loop never
 * sees: the agreement of the round's labels and of all labels so far with gold, and the zero-shot
 * accuracy of the model that labels the next batch on held-out examples (no context: what
 * fine-tuning is for).
 *
 * <pre>{@code
 * FineTuningEvaluation evaluation = new FineTuningEvaluation(gold, heldOut);
 * IterativeFineTuning loop = IterativeFineTuning.builder() ... .listener(evaluation).build();
 * loop.run(base, pool);
 * evaluation.scores();  // one Score per round
 * }</pre>
 *
 * <p>Gold labels stay here: the listener receives the loop's rounds and scorers and gives nothing
 * back. Not thread-safe: it is called on the loop's thread.
 */
public final class FineTuningEvaluation implements FineTuningListener {

  /**
   * One round, measured.
   *
   * @param round the 0-based round
   * @param batchLabelled examples of the round's batch that ICM labelled
   * @param batchSize examples of the round's batch
   * @param batchAgreement agreement of the batch's labels with gold ({@code NaN} when none is
   *     labelled)
   * @param labelledSoFar examples labelled in all batches so far
   * @param agreementSoFar agreement of all labels so far with gold ({@code NaN} when none)
   * @param heldOutZeroShot zero-shot accuracy on the held-out examples of the scorer that labels
   *     the next batch (after the last round: the final model), {@code NaN} without held-out
   *     examples
   */
  public record Score(
      int round,
      int batchLabelled,
      int batchSize,
      double batchAgreement,
      int labelledSoFar,
      double agreementSoFar,
      double heldOutZeroShot) {}

  private final GoldLabels gold;
  private final List<Example> heldOut;
  private final LabelSpace space;
  private final Map<String, String> soFar = new HashMap<>();
  private final List<Score> scores = new ArrayList<>();

  /**
   * An evaluation against gold labels.
   *
   * @param gold gold labels of the pool's examples (for agreement) and of the held-out ones
   * @param heldOut examples never given to the loop, each with a gold label; may be empty
   * @throws IllegalArgumentException naming the example when a held-out example has no gold label
   */
  public FineTuningEvaluation(GoldLabels gold, List<Example> heldOut) {
    this.gold = requireNonNull(gold, "gold");
    this.heldOut = List.copyOf(requireNonNull(heldOut, "heldOut"));
    this.space = gold.labelSpace();
    for (Example e : this.heldOut) {
      checkArgument(
          gold.label(e.id()).isPresent(),
          "held-out example '%s' has no gold label: every held-out example needs one",
          e.id());
    }
  }

  @Override
  public void onRound(FineTuningRound round, LabelScorer next) {
    Labeling batch = round.batchLabels();
    soFar.putAll(batch.asMap());
    Labeling all = new Labeling(batch.labelSpace(), soFar, new HashSet<>());
    double zeroShot =
        heldOut.isEmpty() ? Double.NaN : Evaluation.zeroShotAccuracy(next, space, heldOut, gold);
    scores.add(
        new Score(
            round.index(),
            batch.labelledCount(),
            batch.size(),
            agreementOrNaN(batch),
            all.labelledCount(),
            agreementOrNaN(all),
            zeroShot));
  }

  private double agreementOrNaN(Labeling labels) {
    boolean any = labels.asMap().keySet().stream().anyMatch(id -> gold.label(id).isPresent());
    return any ? Evaluation.agreement(labels, gold) : Double.NaN;
  }

  /**
   * The rounds measured so far, in order.
   *
   * @return the rounds measured so far, in order
   */
  public List<Score> scores() {
    return List.copyOf(scores);
  }
}
