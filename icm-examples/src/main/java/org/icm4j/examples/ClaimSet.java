package org.icm4j.examples;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.icm4j.Example;
import org.icm4j.eval.GoldLabels;
import org.icm4j.spi.ConsistencyRule;

/**
 * Claims to label with ICM, the consistency rules derived from them, and, kept apart, their gold
 * labels. Immutable and thread-safe.
 *
 * <p>Pass {@link #examples()} and {@link #rules()} to {@code Icm}; use {@link #gold()} only after
 * the run, to measure it (for example with {@link org.icm4j.eval.Evaluation#agreement}). No
 * example carries its gold label, and no attribute is derived from it.
 *
 * @param examples the claims, in the order the loader made them (question by question); distinct
 *     ids; copied
 * @param gold the gold label of every claim, and of no other id
 * @param rules consistency rules derived from the claims alone (prompts, groups, attributes);
 *     copied; may be empty
 * @param truncatedTexts how many question or claim texts a character limit shortened in the
 *     prompts (0 when there was no limit or nothing was longer)
 */
public record ClaimSet(
    List<Example> examples, GoldLabels gold, List<ConsistencyRule> rules, int truncatedTexts) {

  /**
   * Checks and copies the components; see the record description.
   *
   * @param examples the claims, in the order the loader made them (question by question); distinct
   *     ids; copied
   * @param gold the gold label of every claim, and of no other id
   * @param rules consistency rules derived from the claims alone (prompts, groups, attributes);
   *     copied; may be empty
   * @param truncatedTexts how many question or claim texts a character limit shortened in the
   *     prompts (0 when there was no limit or nothing was longer)
   */
  public ClaimSet {
    examples = List.copyOf(requireNonNull(examples, "examples"));
    requireNonNull(gold, "gold");
    rules = List.copyOf(requireNonNull(rules, "rules"));
    checkArgument(truncatedTexts >= 0, "truncatedTexts must be >= 0, but was %s", truncatedTexts);
    Set<String> ids = new HashSet<>();
    for (Example e : examples) {
      checkArgument(ids.add(e.id()), "example id '%s' occurs more than once", e.id());
      checkArgument(
          gold.label(e.id()).isPresent(), "example '%s' has no gold label", e.id());
    }
    checkArgument(
        gold.size() == ids.size(),
        "the gold labels cover %s ids, but there are %s examples: give gold labels for exactly"
            + " the examples",
        gold.size(),
        ids.size());
  }

  /**
   * Number of claims.
   *
   * @return {@code examples().size()}
   */
  public int size() {
    return examples.size();
  }

  /**
   * Number of distinct groups (questions) among the claims.
   *
   * @return the number of distinct {@link Example#group()} values
   */
  public int groupCount() {
    Set<String> groups = new HashSet<>();
    for (Example e : examples) {
      groups.add(e.group());
    }
    return groups.size();
  }
}
