package org.icm4j.reward;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.Rules;
import org.icm4j.result.IcmResult;
import org.icm4j.result.LabelDetail;

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
 *
 * <p>With more than two labels, give their order instead of one preferred label ({@link
 * #fromLabels(List, Labeling, List, String)}): {@code List.of("helpful", "unhelpful", "harmful")}
 * makes helpful &gt; unhelpful, helpful &gt; harmful and unhelpful &gt; harmful within each group.
 * For a DPO trainer, write the pairs as (prompt, chosen response, rejected response) with {@link
 * org.icm4j.io.Jsonl#writeDpoPairs}.
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
    return pairs(examples, result.labels(), preferredLabel, source, probabilities(result));
  }

  /**
   * The pairs of a labelling with more than two labels in an order, best first (for example {@code
   * List.of("helpful", "unhelpful", "harmful")}): within each group every response is preferred over
   * every response whose label comes later in the order (helpful &gt; unhelpful, helpful &gt; harmful,
   * unhelpful &gt; harmful), with no probabilities. Responses with equal labels, or with a label the
   * order leaves out, give no pair.
   *
   * @param examples the responses, with distinct ids
   * @param labels their labels
   * @param labelOrder at least two distinct labels of the label space, best first
   * @param source where the labels come from (not blank)
   * @return the pairs: groups in name order; within a group by the chosen response's rank, then
   *     its id, then the rejected response's rank and id
   * @throws IllegalArgumentException naming the label when the order repeats one or lists one the
   *     label space lacks, or when it has fewer than two labels
   */
  public static List<PreferencePair> fromLabels(
      List<Example> examples, Labeling labels, List<String> labelOrder, String source) {
    requireNonNull(labels, "labels");
    return pairs(examples, labels, ranks(labels.labelSpace(), labelOrder), source, Map.of());
  }

  /**
   * {@link #fromLabels(List, Labeling, List, String)} for an ICM run, each response with ICM's
   * probability of its label (as {@link #fromResult(List, IcmResult, String, String)}).
   *
   * @param examples the examples the run labelled (or some of them), with distinct ids
   * @param result the run
   * @param labelOrder at least two distinct labels of the run's label space, best first
   * @param source where the labels come from (not blank)
   * @return the pairs
   * @throws IllegalArgumentException as {@link #fromLabels(List, Labeling, List, String)}
   */
  public static List<PreferencePair> fromResult(
      List<Example> examples, IcmResult result, List<String> labelOrder, String source) {
    requireNonNull(result, "result");
    return pairs(
        examples, result.labels(), ranks(result.labels().labelSpace(), labelOrder), source, probabilities(result));
  }

  private static Map<String, Double> probabilities(IcmResult result) {
    Map<String, Double> probabilities = new HashMap<>();
    for (LabelDetail d : result.details()) {
      probabilities.put(d.exampleId(), d.probability());
    }
    return probabilities;
  }

  /** Rank of each label of an order (0 best); labels it leaves out have none. */
  private static Map<String, Integer> ranks(LabelSpace space, List<String> labelOrder) {
    requireNonNull(labelOrder, "labelOrder");
    checkArgument(
        labelOrder.size() >= 2,
        "labelOrder must list at least two labels of %s, best first, but was %s",
        space.names(),
        labelOrder);
    Map<String, Integer> ranks = new HashMap<>();
    for (String label : labelOrder) {
      requireNonNull(label, "labelOrder must not contain null");
      checkArgument(
          space.contains(label),
          "labelOrder lists '%s', which the label space %s lacks: list labels of the space, best first",
          label,
          space.names());
      checkArgument(ranks.putIfAbsent(label, ranks.size()) == null, "labelOrder lists '%s' twice: %s", label, labelOrder);
    }
    return ranks;
  }

  /** The preferred label first, every other label of the space tied second. */
  private static Map<String, Integer> preferredFirst(LabelSpace space, String preferredLabel) {
    requireNonNull(preferredLabel, "preferredLabel");
    checkArgument(
        space.contains(preferredLabel),
        "the preferred label '%s' is not in the label space %s",
        preferredLabel,
        space.names());
    Map<String, Integer> ranks = new HashMap<>();
    for (String name : space.names()) {
      ranks.put(name, name.equals(preferredLabel) ? 0 : 1);
    }
    return ranks;
  }

  private static List<PreferencePair> pairs(
      List<Example> examples,
      Labeling labels,
      String preferredLabel,
      String source,
      Map<String, Double> probabilities) {
    return pairs(examples, labels, preferredFirst(labels.labelSpace(), preferredLabel), source, probabilities);
  }

  private static List<PreferencePair> pairs(
      List<Example> examples,
      Labeling labels,
      Map<String, Integer> ranks,
      String source,
      Map<String, Double> probabilities) {
    requireNonNull(examples, "examples");
    requireNonNull(source, "source");
    checkArgument(!source.isBlank(), "the source of preference pairs must not be blank");
    Set<String> ids = new HashSet<>();
    // group -> rank -> id -> response
    Map<String, TreeMap<Integer, TreeMap<String, Example>>> byGroup = new TreeMap<>();
    for (Example e : examples) {
      requireNonNull(e, "examples must not contain null");
      checkArgument(ids.add(e.id()), "example id '%s' occurs more than once: ids must be unique", e.id());
      String label = labels.label(e.id()).orElse(null);
      Integer rank = label == null ? null : ranks.get(label);
      if (rank == null) {
        continue;
      }
      byGroup
          .computeIfAbsent(e.group(), g -> new TreeMap<>())
          .computeIfAbsent(rank, r -> new TreeMap<>())
          .put(e.id(), e);
    }
    List<PreferencePair> out = new ArrayList<>();
    for (Map.Entry<String, TreeMap<Integer, TreeMap<String, Example>>> g : byGroup.entrySet()) {
      for (Map.Entry<Integer, TreeMap<String, Example>> better : g.getValue().entrySet()) {
        for (Example chosen : better.getValue().values()) {
          for (TreeMap<String, Example> worse : g.getValue().tailMap(better.getKey(), false).values()) {
            for (Example rejected : worse.values()) {
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
      }
    }
    return List.copyOf(out);
  }
}
