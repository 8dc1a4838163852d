package org.icm4j;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Preference pairs from a labelling: within each group (a question), every response labelled with
 * the preferred label (usually {@code "True"}) is preferred over every response of the group with
 * another label. This covers both tasks of the paper's reward model:
 *
 * <ul>
 *   <li>a truth run ({@link Rules#exactlyOne()}): the claim of a question labelled True beats the
 *       claims labelled False;
 *   <li>a comparison run ({@link Rules#asymmetry()}): of "a bigger b" and "b bigger a", the one
 *       labelled True beats the other.
 * </ul>
 *
 * <pre>{@code
 * IcmResult result = icm.run(examples);
 * List<PreferencePair> pairs = PreferencePairs.fromResult(examples, result, "True", "ICM, seed 1");
 * RewardModel rm = trainer.train(new RewardTrainingRequest(pairs, 1));
 * }</pre>
 *
 * <p>Groups are taken in the order of their names, each group's preferred responses and other
 * responses in id order, so the list is a function of the examples and labels alone (not of the
 * order of {@code examples}). Unlabelled examples, groups with no preferred response or no other
 * one, and labels of ids not among {@code examples} give no pair. Stateless and thread-safe.
 */
public final class PreferencePairs {
  private PreferencePairs() {}

  /**
   * The pairs of a labelling, with no probabilities (both {@code NaN}).
   *
   * @param examples the responses, with distinct ids
   * @param labels their labels (ICM's, or any labelling the caller chose)
   * @param preferredLabel the label of a preferred response, in the label space
   * @param source where the labels come from, for the pairs' provenance (not blank)
   * @return the pairs, in group order
   * @throws IllegalArgumentException naming the id when two examples share it, or the label when
   *     it is not in the label space
   */
  public static List<PreferencePair> fromLabels(
      List<Example> examples, Labeling labels, String preferredLabel, String source) {
    requireNonNull(labels, "labels");
    return pairs(examples, labels, preferredLabel, source, Map.of());
  }

  /**
   * The pairs of an ICM run, each response with ICM's probability of its label ({@link
   * IcmResult#details()}: the model's leave-one-out prediction given every other label of its
   * batch), so that a trainer can weigh or drop pairs ICM was unsure of.
   *
   * @param examples the examples the run labelled (or some of them), with distinct ids
   * @param result the run
   * @param preferredLabel the label of a preferred response, in the run's label space
   * @param source where the labels come from, for the pairs' provenance (not blank)
   * @return the pairs, in group order
   * @throws IllegalArgumentException naming the id when two examples share it, or the label when
   *     it is not in the label space
   */
  public static List<PreferencePair> fromResult(
      List<Example> examples, IcmResult result, String preferredLabel, String source) {
    requireNonNull(result, "result");
    Map<String, Double> probabilities = new HashMap<>();
    for (LabelDetail d : result.details()) {
      probabilities.put(d.exampleId(), d.probability());
    }
    return pairs(examples, result.labels(), preferredLabel, source, probabilities);
  }

  private static List<PreferencePair> pairs(
      List<Example> examples,
      Labeling labels,
      String preferredLabel,
      String source,
      Map<String, Double> probabilities) {
    requireNonNull(examples, "examples");
    requireNonNull(preferredLabel, "preferredLabel");
    requireNonNull(source, "source");
    checkArgument(
        labels.labelSpace().contains(preferredLabel),
        "the preferred label '%s' is not in the label space %s",
        preferredLabel,
        labels.labelSpace().names());
    checkArgument(!source.isBlank(), "the source of preference pairs must not be blank");
    Set<String> ids = new HashSet<>();
    Map<String, TreeMap<String, Example>> preferred = new TreeMap<>();
    Map<String, TreeMap<String, Example>> others = new TreeMap<>();
    for (Example e : examples) {
      requireNonNull(e, "examples must not contain null");
      checkArgument(ids.add(e.id()), "example id '%s' occurs more than once: ids must be unique", e.id());
      String label = labels.label(e.id()).orElse(null);
      if (label == null) {
        continue;
      }
      (label.equals(preferredLabel) ? preferred : others)
          .computeIfAbsent(e.group(), g -> new TreeMap<>())
          .put(e.id(), e);
    }
    List<PreferencePair> out = new ArrayList<>();
    for (Map.Entry<String, TreeMap<String, Example>> g : preferred.entrySet()) {
      TreeMap<String, Example> rest = others.get(g.getKey());
      if (rest == null) {
        continue;
      }
      for (Example chosen : g.getValue().values()) {
        for (Example rejected : rest.values()) {
          out.add(
              new PreferencePair(
                  g.getKey(),
                  chosen,
                  rejected,
                  source,
                  probabilities.getOrDefault(chosen.id(), Double.NaN),
                  probabilities.getOrDefault(rejected.id(), Double.NaN)));
        }
      }
    }
    return List.copyOf(out);
  }
}
