package org.icm4j.eval;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.Labeling;
import org.icm4j.reward.PreferencePair;
import org.icm4j.reward.PreferencePairs;
import org.icm4j.spi.reward.RewardModel;

/**
 * Measures reward models the way RewardBench does: pairwise accuracy, the share of preference
 * pairs whose chosen response gets the higher reward; and the gold preference pairs to measure
 * them on. Gold labels enter here and nowhere else: pairs made by {@link #goldPairs} are for
 * evaluation (or for a supervised baseline), never for ICM. Stateless; thread-safe when the reward
 * model passed in is.
 */
public final class RewardEvaluation {
  private RewardEvaluation() {}

  /**
   * The preference pairs of the gold labels: within each group, every response whose gold label
   * is {@code preferredLabel} is preferred over every response of the group with another gold
   * label ({@link PreferencePairs#fromLabels}). Examples without a gold label give no pair.
   *
   * @param examples the responses, with distinct ids
   * @param gold their gold labels
   * @param preferredLabel the label of a preferred response, in the gold labels' space
   * @param source where the labels come from, for the pairs' provenance (e.g. {@code "gold"})
   * @return the pairs, in group order
   */
  public static List<PreferencePair> goldPairs(
      List<Example> examples, GoldLabels gold, String preferredLabel, String source) {
    requireNonNull(examples, "examples");
    requireNonNull(gold, "gold");
    Map<String, String> labels = new HashMap<>();
    for (Example e : examples) {
      requireNonNull(e, "examples must not contain null");
      gold.label(e.id()).ifPresent(l -> labels.put(e.id(), l));
    }
    Labeling labeling = Labeling.of(gold.labelSpace(), examples, labels);
    return PreferencePairs.fromLabels(examples, labeling, preferredLabel, source);
  }

  /**
   * Pairwise accuracy: the share of pairs whose chosen response gets a higher reward than the
   * rejected one; a tie counts half. The model is asked once, for the distinct responses of all
   * pairs.
   *
   * @param model the reward model
   * @param pairs the pairs, at least one
   * @return the accuracy in {@code [0, 1]}
   * @throws IllegalArgumentException if {@code pairs} is empty
   * @throws org.icm4j.InvalidScoreException naming the response when the model returns the wrong number of
   *     rewards or a non-finite one
   */
  public static double pairwiseAccuracy(RewardModel model, List<PreferencePair> pairs) {
    requireNonNull(model, "model");
    requireNonNull(pairs, "pairs");
    checkArgument(!pairs.isEmpty(), "pairwise accuracy needs at least one preference pair");
    Map<String, Double> rewards = rewards(model, pairs);
    double wins = 0;
    for (PreferencePair p : pairs) {
      double c = rewards.get(p.chosen().id());
      double r = rewards.get(p.rejected().id());
      wins += c > r ? 1 : c == r ? 0.5 : 0;
    }
    return wins / pairs.size();
  }

  /**
   * The rewards of the distinct responses of some pairs, by example id, from one call of the
   * model.
   *
   * @param model the reward model
   * @param pairs the pairs
   * @return example id to reward, in order of first use (empty, without asking the model, when
   *     there are no pairs)
   * @throws org.icm4j.InvalidScoreException naming the response when the model returns the wrong number of
   *     rewards or a non-finite one
   */
  public static Map<String, Double> rewards(RewardModel model, List<PreferencePair> pairs) {
    requireNonNull(model, "model");
    requireNonNull(pairs, "pairs");
    Map<String, Example> responses = new LinkedHashMap<>();
    for (PreferencePair p : pairs) {
      requireNonNull(p, "pairs must not contain null");
      responses.putIfAbsent(p.chosen().id(), p.chosen());
      responses.putIfAbsent(p.rejected().id(), p.rejected());
    }
    List<Example> list = new ArrayList<>(responses.values());
    double[] r = RewardModel.checkedRewards(model, list);
    Map<String, Double> out = new LinkedHashMap<>();
    for (int i = 0; i < r.length; i++) {
      out.put(list.get(i).id(), r[i]);
    }
    return out;
  }
}
