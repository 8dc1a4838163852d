package org.icm4j.spi.finetune;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.LabelledExample;

/**
 * What a {@link FineTuner} trains on: examples and the labels ICM gave them. Immutable and
 * thread-safe.
 *
 * <p>The labels are ICM's (or any labeling the caller chose); a request has no field for gold
 * labels. Examples the labeling leaves unlabelled are carried along (an external trainer may want
 * to know them) but are not trained on: {@link #labelled()} lists what is. {@link
 * org.icm4j.io.Jsonl#writeSft} writes exactly those as SFT records: {@code
 * Jsonl.writeSft(file, request.examples(), request.labels())}.
 *
 * @param round the 0-based round: the index of the last batch whose labels are included ({@code 0}
 *     for a one-off fine-tuning)
 * @param examples the examples, at least one, distinct ids; copied and sorted by id
 * @param labels their labels, in any label space; every labelled id must be among {@code
 *     examples}, and at least one of the examples must be labelled
 * @param seed the seed of the training run (data order, splits, initialization of new weights)
 */
public record FineTuneRequest(int round, List<Example> examples, Labeling labels, long seed) {

  /**
   * Validates and copies; see the record description for the rules.
   *
   * @param round the 0-based round: the index of the last batch whose labels are included ({@code
   *     0} for a one-off fine-tuning)
   * @param examples the examples, at least one, distinct ids; copied and sorted by id
   * @param labels their labels, in any label space; every labelled id must be among {@code
   *     examples}, and at least one of the examples must be labelled
   * @param seed the seed of the training run (data order, splits, initialization of new weights)
   */
  public FineTuneRequest {
    checkArgument(round >= 0, "round must be >= 0, but was %s", round);
    requireNonNull(examples, "examples");
    requireNonNull(labels, "labels");
    checkArgument(!examples.isEmpty(), "a fine-tuning request needs at least one example");
    List<Example> sorted = new ArrayList<>(examples.size());
    Set<String> ids = new HashSet<>();
    for (Example e : examples) {
      requireNonNull(e, "examples must not contain null");
      checkArgument(ids.add(e.id()), "duplicate example id '%s': every example needs a unique id", e.id());
      sorted.add(e);
    }
    sorted.sort(Comparator.comparing(Example::id));
    int labelled = 0;
    for (String id : labels.asMap().keySet()) {
      checkArgument(
          ids.contains(id),
          "the labeling labels '%s', which is not among the %s examples of the request: give the"
              + " examples of every label",
          id,
          ids.size());
      labelled++;
    }
    checkArgument(
        labelled > 0,
        "none of the %s examples is labelled: there is nothing to fine-tune on (keep the current"
            + " model instead)",
        ids.size());
    examples = List.copyOf(sorted);
  }

  /**
   * A one-off request (round 0): fine-tune on a labeling of these examples.
   *
   * @param examples the examples
   * @param labels their labels (e.g. {@code IcmResult.labels()})
   * @param seed the training seed
   * @return the request
   */
  public static FineTuneRequest of(List<Example> examples, Labeling labels, long seed) {
    return new FineTuneRequest(0, examples, labels, seed);
  }

  /**
   * The label space of the labels.
   *
   * @return the label space of the labels
   */
  public LabelSpace labelSpace() {
    return labels.labelSpace();
  }

  /**
   * The labelled examples with their labels, in id order: what a fine-tuner trains on.
   *
   * @return the labelled examples with their labels, in id order
   */
  public List<LabelledExample> labelled() {
    List<LabelledExample> out = new ArrayList<>(labels.labelledCount());
    Map<String, String> map = labels.asMap();
    for (Example e : examples) {
      String label = map.get(e.id());
      if (label != null) {
        out.add(new LabelledExample(e, label));
      }
    }
    return List.copyOf(out);
  }

  /** A summary (round, counts, seed); does not list the examples. */
  @Override
  public String toString() {
    return "FineTuneRequest{round=" + round + ", examples=" + examples.size() + ", labelled="
        + labels.labelledCount() + ", seed=" + seed + "}";
  }
}
