package org.icm4j.reward;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import org.icm4j.Example;
import org.icm4j.result.LabelDetail;

/**
 * One preference between two responses to the same question: {@code chosen} is preferred over
 * {@code rejected}. A reward model trains on such pairs (the Bradley-Terry model: the probability
 * that {@code chosen} wins is {@code sigmoid(r(chosen) - r(rejected))}). Each response is an
 * {@link Example}: a claim whose prompt the reward model reads, such as {@code "e12 colour red :"}.
 * Immutable and thread-safe.
 *
 * <p>Make pairs from a labelling with {@link PreferencePairs}: from ICM's labels (no gold label
 * involved), or, for evaluation only, from gold labels ({@code org.icm4j.eval.RewardEvaluation}).
 *
 * @param group the question both responses answer: the {@link Example#group()} they share
 * @param chosen the preferred response
 * @param rejected the other response, with another id
 * @param source where the preference comes from, for reports (for example {@code "ICM labels,
 *     seed 1"}); not blank
 * @param chosenProbability how sure the labeller was of {@code chosen}'s label, in {@code [0, 1]}
 *     ({@link LabelDetail#probability()} for ICM's labels), or {@code NaN} when unknown
 * @param rejectedProbability the same for {@code rejected}'s label
 */
public record PreferencePair(
    String group,
    Example chosen,
    Example rejected,
    String source,
    double chosenProbability,
    double rejectedProbability) {

  /**
   * Validates; see the record description for the rules.
   *
   * @param group the question both responses answer: the {@link Example#group()} they share
   * @param chosen the preferred response
   * @param rejected the other response, with another id
   * @param source where the preference comes from, for reports (for example {@code "ICM labels,
   *     seed 1"}); not blank
   * @param chosenProbability how sure the labeller was of {@code chosen}'s label, in {@code [0, 1]}
   *     ({@link LabelDetail#probability()} for ICM's labels), or {@code NaN} when unknown
   * @param rejectedProbability the same for {@code rejected}'s label
   */
  public PreferencePair {
    requireNonNull(group, "group");
    requireNonNull(chosen, "chosen");
    requireNonNull(rejected, "rejected");
    requireNonNull(source, "source");
    checkArgument(!source.isBlank(), "the source of a preference pair must not be blank");
    checkArgument(
        !chosen.id().equals(rejected.id()),
        "a preference pair needs two responses, but chosen and rejected are both example '%s'",
        chosen.id());
    checkArgument(
        chosen.group().equals(group) && rejected.group().equals(group),
        "both responses of a pair must answer group '%s', but '%s' is in group '%s' and '%s' in"
            + " group '%s'",
        group,
        chosen.id(),
        chosen.group(),
        rejected.id(),
        rejected.group());
    checkProbability(chosenProbability, chosen.id());
    checkProbability(rejectedProbability, rejected.id());
  }

  /**
   * A pair with no probabilities (both {@code NaN}), in the group of {@code chosen}.
   *
   * @param chosen the preferred response
   * @param rejected the other, in the same group
   * @param source where the preference comes from
   * @return the pair
   */
  public static PreferencePair of(Example chosen, Example rejected, String source) {
    requireNonNull(chosen, "chosen");
    return new PreferencePair(chosen.group(), chosen, rejected, source, Double.NaN, Double.NaN);
  }

  /**
   * A stable name of the pair: {@code group: chosenId > rejectedId}.
   *
   * @return A stable name of the pair
   */
  public String id() {
    return group + ": " + chosen.id() + " > " + rejected.id();
  }

  /**
   * The same two responses with the preference the other way round (probabilities swapped).
   *
   * @return the same two responses with the preference the other way round (probabilities swapped)
   */
  public PreferencePair reversed() {
    return new PreferencePair(group, rejected, chosen, source, rejectedProbability, chosenProbability);
  }

  private static void checkProbability(double p, String id) {
    checkArgument(
        Double.isNaN(p) || (p >= 0 && p <= 1),
        "the probability of example '%s' must be in [0, 1] or NaN (unknown), but was %s",
        id,
        p);
  }
}
