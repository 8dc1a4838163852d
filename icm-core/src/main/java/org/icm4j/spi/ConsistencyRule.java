package org.icm4j.spi;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Set;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.jspecify.annotations.Nullable;

/**
 * A logical constraint between the labels of examples of one group. ICM's inconsistency I(D) is
 * the number of unordered pairs of labelled group-mates that violate at least one pair rule, plus
 * one for each group rule a group violates.
 *
 * <p>A rule reads only the examples (prompt, group, attributes) and the labels: never gold labels.
 * Rules are evaluated only within a group; pair rules must be symmetric (the engine checks each
 * unordered pair once, the example with the smaller id first). Implementations must be immutable
 * and thread-safe.
 *
 * <p>Write one as a lambda, declaring the labels it compares with so that {@link
 * org.icm4j.Icm.Builder#build()} rejects a label the space lacks (a typo such as {@code "true"} or a
 * label of another task would otherwise never match, and the rule would never fire):
 *
 * <pre>{@code
 * ConsistencyRule notBothTrue = ConsistencyRule.pairwise("not-both-true", Set.of("True"),
 *     (a, la, b, lb) -> !(la.equals("True") && lb.equals("True")));
 * }</pre>
 */
public interface ConsistencyRule {

  /**
   * A short name for provenance and messages; distinct rules of one pipeline need distinct names.
   *
   * @return A short name for provenance and messages
   */
  String name();

  /**
   * The label names this rule refers to (compares labels with), for {@link #validate}. A rule that
   * only compares labels with each other ({@code la.equals(lb)}) uses none. Default: none.
   *
   * @return the label names this rule refers to (compares labels with), for {@link #validate}
   */
  default Set<String> labelsUsed() {
    return Set.of();
  }

  /**
   * Checks that this rule can work with a label space; called by {@link
   * org.icm4j.Icm.Builder#build()}. The default checks that every label of {@link #labelsUsed()} is
   * in the space.
   *
   * @throws IllegalArgumentException naming the rule, the missing label and the space
   *
   * @param labelSpace the label space
   */
  default void validate(LabelSpace labelSpace) {
    for (String label : labelsUsed()) {
      if (!labelSpace.contains(label)) {
        throw new IllegalArgumentException(
            "rule '"
                + name()
                + "' uses the label '"
                + label
                + "', which the label space "
                + labelSpace.names()
                + " lacks: compare with the space's labels (case matters), or set the space the"
                + " rule is written for with Icm.Builder.labelSpace");
      }
    }
  }

  /**
   * Whether labels {@code la} of {@code a} and {@code lb} of {@code b}, two labelled examples of one
   * group, are consistent with this rule. The default relates no pair.
   *
   * @param a the a
   * @param la the la
   * @param b the b
   * @param lb the lb
   * @return whether labels {@code la} of {@code a} and {@code lb} of {@code b}, two labelled
   *     examples of one group, are consistent with this rule
   */
  default boolean pairConsistent(Example a, String la, Example b, String lb) {
    return true;
  }

  /**
   * Whether the labelled members of one group are consistent with this rule as a whole (for
   * constraints that no pair can express, such as "at least one True once all are labelled").
   *
   * @param members the group's examples, in id order
   * @param labels their labels in the same order, {@code null} for unlabelled members
   *
   * @return whether the labelled members of one group are consistent with this rule as a whole (for
   *     constraints that no pair can express, such as "at least one True once all are labelled")
   */
  default boolean groupConsistent(List<Example> members, List<@Nullable String> labels) {
    return true;
  }

  /**
   * Whether this rule has a group-level part ({@link #groupConsistent}); lets the engine skip it.
   *
   * @return whether this rule has a group-level part ({@link #groupConsistent})
   */
  default boolean hasGroupPart() {
    return false;
  }

  /**
   * Whether this rule has a pair part ({@link #pairConsistent}); lets the engine skip it.
   *
   * @return whether this rule has a pair part ({@link #pairConsistent})
   */
  default boolean hasPairPart() {
    return true;
  }

  /** The pair test of a {@link #pairwise} rule. */
  @FunctionalInterface
  interface PairPredicate {
    /**
     * Whether the two labelled group-mates are consistent.
     *
     * @param a the a
     * @param la the la
     * @param b the b
     * @param lb the lb
     * @return whether the two labelled group-mates are consistent
     */
    boolean consistent(Example a, String la, Example b, String lb);
  }

  /** The group test of a {@link #group} rule. */
  @FunctionalInterface
  interface GroupPredicate {
    /**
     * Whether the group's labels ({@code null}: unlabelled) are consistent.
     *
     * @param members the members
     * @param labels the labels
     * @return whether the group's labels ({@code null}
     */
    boolean consistent(List<Example> members, List<@Nullable String> labels);
  }

  /**
   * A rule relating pairs of group-mates whose predicate names no label (it compares labels with
   * each other, or reads only attributes). The predicate must be symmetric. A predicate that
   * compares with label names should declare them: {@link #pairwise(String, Set, PairPredicate)}.
   *
   * @param name the name
   * @param predicate the predicate
   * @return A rule relating pairs of group-mates whose predicate names no label (it compares labels
   *     with each other, or reads only attributes)
   */
  static ConsistencyRule pairwise(String name, PairPredicate predicate) {
    return pairwise(name, Set.of(), predicate);
  }

  /**
   * A rule relating pairs of group-mates, which compares labels with the names in {@code
   * labelsUsed}; {@link org.icm4j.Icm.Builder#build()} fails when the label space lacks one of
   * them. The predicate must be symmetric.
   *
   * @param name the rule's name
   * @param labelsUsed every label name the predicate compares with, e.g. {@code Set.of("True")}
   * @param predicate the pair test
   *
   * @return A rule relating pairs of group-mates, which compares labels with the names in {@code
   *     labelsUsed}
   */
  static ConsistencyRule pairwise(String name, Set<String> labelsUsed, PairPredicate predicate) {
    requireNonNull(name, "name");
    Set<String> labels = Set.copyOf(requireNonNull(labelsUsed, "labelsUsed"));
    requireNonNull(predicate, "predicate");
    return new ConsistencyRule() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Set<String> labelsUsed() {
        return labels;
      }

      @Override
      public boolean pairConsistent(Example a, String la, Example b, String lb) {
        return predicate.consistent(a, la, b, lb);
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }

  /**
   * A rule on a whole group whose predicate names no label. A predicate that compares with label
   * names should declare them: {@link #group(String, Set, GroupPredicate)}.
   *
   * @param name the name
   * @param predicate the predicate
   * @return A rule on a whole group whose predicate names no label
   */
  static ConsistencyRule group(String name, GroupPredicate predicate) {
    return group(name, Set.of(), predicate);
  }

  /**
   * A rule on a whole group, which compares labels with the names in {@code labelsUsed}; {@link
   * org.icm4j.Icm.Builder#build()} fails when the label space lacks one of them.
   *
   * @param name the rule's name
   * @param labelsUsed every label name the predicate compares with, e.g. {@code Set.of("True")}
   * @param predicate the group test
   *
   * @return A rule on a whole group, which compares labels with the names in {@code labelsUsed}
   */
  static ConsistencyRule group(String name, Set<String> labelsUsed, GroupPredicate predicate) {
    requireNonNull(name, "name");
    Set<String> labels = Set.copyOf(requireNonNull(labelsUsed, "labelsUsed"));
    requireNonNull(predicate, "predicate");
    return new ConsistencyRule() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Set<String> labelsUsed() {
        return labels;
      }

      @Override
      public boolean groupConsistent(List<Example> members, List<@Nullable String> labels) {
        return predicate.consistent(members, labels);
      }

      @Override
      public boolean hasGroupPart() {
        return true;
      }

      @Override
      public boolean hasPairPart() {
        return false;
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }
}
