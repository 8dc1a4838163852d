package org.icm4j.result;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import org.icm4j.Icm;
import org.icm4j.Labeling;
import org.icm4j.MutualPredictability;

/**
 * The outcome of {@link Icm#run}. Immutable and thread-safe.
 *
 * <p>For a run in several batches, {@code utility} and {@code inconsistency} are sums over batches
 * and {@code mutualPredictability} is the labelled-count weighted mean of the batches' values (for
 * {@link MutualPredictability#SUM_LOG_PROB}: the sum).
 *
 * @param labels the labels found (examples of batches not reached when cancelled stay unlabelled)
 * @param utility U = alpha * P - I
 * @param mutualPredictability P
 * @param inconsistency I
 * @param status complete, or cancelled (partial)
 * @param counts iterations, accepted moves, scorer calls, queries and tokens
 * @param history the kept chains' iterations, batch after batch
 * @param batches per-batch summaries, including every chain's U
 * @param provenance library version, configuration, seed, Java, OS/arch
 * @param elapsed wall-clock time of this call (excluding work restored from a checkpoint)
 * @param details every labelled example's label with its source and the model's probability of
 *     it, in id order
 * @param warnings what may make the result wrong, found without gold labels (an empty list when
 *     nothing was found)
 * @param suggestions the examples whose labels, given as {@link Icm.Builder#trustedLabels trusted
 *     labels} in another run, would best decide between the kept labeling and the others the
 *     search met ({@link BatchSummary#alternatives()}), most decisive first, each with the reason;
 *     empty when the search met no other labeling that disagrees with the kept one on a real share
 *     of the examples
 */
public record IcmResult(
    Labeling labels,
    double utility,
    double mutualPredictability,
    int inconsistency,
    RunStatus status,
    RunCounts counts,
    List<IterationRecord> history,
    List<BatchSummary> batches,
    Provenance provenance,
    Duration elapsed,
    List<LabelDetail> details,
    List<IcmWarning> warnings,
    List<LabelSuggestion> suggestions) {
  /**
   * Checks the components and copies the collections.
   *
   * @param labels the labels found (examples of batches not reached when cancelled stay unlabelled)
   * @param utility U = alpha * P - I
   * @param mutualPredictability P
   * @param inconsistency I
   * @param status complete, or cancelled (partial)
   * @param counts iterations, accepted moves, scorer calls, queries and tokens
   * @param history the kept chains' iterations, batch after batch
   * @param batches per-batch summaries, including every chain's U
   * @param provenance library version, configuration, seed, Java, OS/arch
   * @param elapsed wall-clock time of this call (excluding work restored from a checkpoint)
   * @param details every labelled example's label with its source and the model's probability of
   *     it, in id order
   * @param warnings what may make the result wrong, found without gold labels (an empty list when
   *     nothing was found)
   * @param suggestions the examples whose labels, given as {@link Icm.Builder#trustedLabels trusted
   *     labels} in another run, would best decide between the kept labeling and the others the search
   *     met ({@link BatchSummary#alternatives()}), most decisive first, each with the reason; empty
   *     when the search met no other labeling that disagrees with the kept one on a real share of the
   *     examples
   */
  public IcmResult {
    requireNonNull(labels, "labels");
    requireNonNull(status, "status");
    requireNonNull(counts, "counts");
    history = List.copyOf(requireNonNull(history, "history"));
    batches = List.copyOf(requireNonNull(batches, "batches"));
    requireNonNull(provenance, "provenance");
    requireNonNull(elapsed, "elapsed");
    details = List.copyOf(requireNonNull(details, "details"));
    warnings = List.copyOf(requireNonNull(warnings, "warnings"));
    suggestions = List.copyOf(requireNonNull(suggestions, "suggestions"));
  }

  /**
   * The detail of one example, if it is labelled.
   *
   * @param exampleId the example id
   * @return the detail of one example, if it is labelled
   */
  public java.util.Optional<LabelDetail> detail(String exampleId) {
    requireNonNull(exampleId, "exampleId");
    int lo = 0;
    int hi = details.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = details.get(mid).exampleId().compareTo(exampleId);
      if (c == 0) {
        return java.util.Optional.of(details.get(mid));
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * Whether the run completed (not cancelled).
   *
   * @return whether the run completed (not cancelled)
   */
  public boolean isComplete() {
    return status == RunStatus.COMPLETE;
  }
}
