package org.icm4j.djl.train;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A question a {@link ChoicePolicy} answers by generating one of a fixed set of continuations: a
 * language model's next value after {@code "e12 colour"}, restricted to the relation's values.
 * Immutable and thread-safe.
 *
 * @param id the question's name, not blank
 * @param prompt the text before the answer, not empty (for a model that needs a start token, put
 *     it here)
 * @param choices the answers, at least two, with distinct texts and distinct claim ids; copied
 */
public record ChoiceQuestion(String id, String prompt, List<Choice> choices) {
  /**
   * Validates and copies; see the record description for the rules.
   *
   * @param id the question's name, not blank
   * @param prompt the text before the answer, not empty (for a model that needs a start token, put
   *     it here)
   * @param choices the answers, at least two, with distinct texts and distinct claim ids; copied
   */
  public ChoiceQuestion {
    requireNonNull(id, "id");
    requireNonNull(prompt, "prompt");
    requireNonNull(choices, "choices");
    checkArgument(!id.isBlank(), "the id of a question must not be blank");
    checkArgument(!prompt.isEmpty(), "the prompt of question '%s' is empty", id);
    choices = List.copyOf(choices);
    checkArgument(choices.size() >= 2, "question '%s' needs at least two choices, but has %s", id, choices.size());
    Set<String> texts = new HashSet<>();
    Set<String> claims = new HashSet<>();
    for (Choice c : choices) {
      checkArgument(texts.add(c.text()), "question '%s' lists the choice '%s' twice", id, c.text());
      checkArgument(claims.add(c.claim().id()), "question '%s' uses claim id '%s' for two choices", id, c.claim().id());
    }
  }

  /**
   * The number of choices.
   *
   * @return the number of choices
   */
  public int size() {
    return choices.size();
  }
}
