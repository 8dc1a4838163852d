package org.icm4j.examples;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.eval.GoldLabels;
import org.icm4j.result.IcmResult;
import org.icm4j.result.LabelDetail;
import org.icm4j.result.LabelSuggestion;
import org.icm4j.reward.PreferencePair;
import org.icm4j.reward.PreferencePairs;

/**
 * The k labels a careful person gives for the "ICM + k trusted labels" and "k labels alone" arms.
 *
 * <p>The examples are chosen by a first ICM run, without gold: its {@link IcmResult#suggestions()}
 * in order (the examples whose label would best decide between the labelings the search met),
 * then, when there are fewer than k, the examples whose kept label the model was least sure of
 * ({@link LabelDetail#probability()}, lowest first, ties by id). The person labels them by the
 * world's truth: careful, not hurried like {@link SimulatedAnnotators}. Stateless.
 */
final class TrustedLabelChoice {
  private TrustedLabelChoice() {}

  /** Trusted labels per run, as in the issue. */
  static final int DEFAULT_K = 8;

  /**
   * The chosen labels.
   *
   * @param labels k examples with their true labels
   * @param fromSuggestions how many of them were suggestions of the first run (the rest: its least sure labels)
   */
  record Choice(Labeling labels, int fromSuggestions) {}

  /**
   * Chooses k examples from a first run and labels them by {@code truth}.
   *
   * @param first the first ICM run
   * @param truth the true labels (the careful person's answers)
   * @param k how many
   */
  static Choice choose(IcmResult first, GoldLabels truth, int k) {
    requireNonNull(first, "first");
    requireNonNull(truth, "truth");
    checkArgument(k >= 1, "k must be >= 1 trusted labels, but was %s", k);
    Set<String> ids = new LinkedHashSet<>();
    for (LabelSuggestion s : first.suggestions()) {
      if (ids.size() < k) {
        ids.add(s.exampleId());
      }
    }
    int fromSuggestions = ids.size();
    List<LabelDetail> details = new ArrayList<>(first.details());
    details.sort(Comparator.comparingDouble(LabelDetail::probability).thenComparing(LabelDetail::exampleId));
    for (LabelDetail d : details) {
      if (ids.size() >= k) {
        break;
      }
      ids.add(d.exampleId());
    }
    checkArgument(ids.size() == k, "the first run labelled %s examples, fewer than the %s to trust", ids.size(), k);
    Map<String, String> labels = new HashMap<>();
    for (String id : ids) {
      labels.put(id, truth.label(id).orElseThrow(() -> new IllegalArgumentException("no true label for '" + id + "'")));
    }
    return new Choice(Labeling.of(LabelSpace.binary(), labels), fromSuggestions);
  }

  /**
   * Preference pairs from trusted labels of two-claim questions: a question with a trusted label
   * prefers its true claim to the other (the rule of both tasks, exactly one True, gives the
   * other's label).
   */
  static List<PreferencePair> pairs(List<Example> examples, Labeling trusted, String source) {
    Map<String, List<Example>> groups = new HashMap<>();
    for (Example e : examples) {
      groups.computeIfAbsent(e.group(), g -> new ArrayList<>()).add(e);
    }
    Map<String, String> completed = new HashMap<>();
    List<Example> used = new ArrayList<>();
    for (Example e : examples) {
      String label = trusted.label(e.id()).orElse(null);
      if (label == null) {
        continue;
      }
      List<Example> members = requireNonNull(groups.get(e.group()), "group"); // grouped from the same examples
      checkArgument(members.size() == 2, "question '%s' has %s claims, not 2", e.group(), members.size());
      for (Example m : members) {
        String l = m.id().equals(e.id()) ? label : label.equals("True") ? "False" : "True";
        String before = completed.put(m.id(), l);
        checkArgument(before == null || before.equals(l), "trusted labels of question '%s' break its rule", e.group());
        if (before == null) {
          used.add(m);
        }
      }
    }
    return PreferencePairs.fromLabels(used, Labeling.of(LabelSpace.binary(), completed), "True", source);
  }
}
