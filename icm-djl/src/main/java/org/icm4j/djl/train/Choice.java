package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import org.icm4j.Example;

/**
 * One answer a {@link ChoicePolicy} can give to a {@link ChoiceQuestion}: the text the policy
 * generates after the question's prompt, and the claim a reward model (or the world's truth)
 * judges. Immutable and thread-safe.
 *
 * <p>For the question {@code "e12 colour"}, the choice {@code " red"} is judged as the claim
 * {@code "e12 colour red :"}; for "which of e3 and e7 is bigger", the choice {@code "e3 bigger e7"}
 * as the claim {@code "e3 bigger e7 :"}.
 *
 * @param text what the policy generates after the prompt (its tokens are scored after the prompt's,
 *     each segment tokenized on its own; a BPE model wants the leading space here); not empty
 * @param claim the response a reward model scores, with an id of its own
 */
public record Choice(String text, Example claim) {
  /**
   * Validates; see the record description for the rules.
   *
   * @param text what the policy generates after the prompt (its tokens are scored after the
   *     prompt's, each segment tokenized on its own; a BPE model wants the leading space here); not
   *     empty
   * @param claim the response a reward model scores, with an id of its own
   */
  public Choice {
    requireNonNull(text, "text");
    requireNonNull(claim, "claim");
    checkArgument(!text.isEmpty(), "the text of the choice judged as claim '%s' is empty", claim.id());
  }
}
