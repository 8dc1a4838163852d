package org.icm4j;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Set;
import org.icm4j.spi.ConsistencyRule;
import org.jspecify.annotations.Nullable;

/**
 * Built-in consistency rules, each derived from the inputs only (groups and attributes), never from
 * gold labels. All are immutable and thread-safe. Each refers to a "True" label, {@code "True"}
 * unless given another (the builder checks it is in the label space); every other label counts as
 * "not True". An example that lacks a rule's attribute is not related by that rule.
 */
public final class Rules {
  private static final String TRUE = "True";

  private Rules() {}

  /**
   * GSM8K-style answers: two claims of one group with different answer keys cannot both be True,
   * and two with equal keys must have the same label.
   *
   * @param attribute the attribute holding the answer key (e.g. {@code "answer"})
   *
   * @return GSM8K-style answers
   */
  public static ConsistencyRule answerKey(String attribute) {
    return answerKey(attribute, TRUE);
  }

  /**
   * {@link #answerKey(String)} with another name for the True label.
   *
   * @param attribute the attribute
   * @param trueLabel the true label
   * @return {@link #answerKey(String)} with another name for the True label
   */
  public static ConsistencyRule answerKey(String attribute, String trueLabel) {
    requireNonNull(attribute, "attribute");
    return pairRule(
        "answerKey(" + attribute + ")",
        trueLabel,
        (a, la, b, lb) -> {
          String ka = a.attribute(attribute);
          String kb = b.attribute(attribute);
          if (ka == null || kb == null) {
            return true;
          }
          if (ka.equals(kb)) {
            return la.equals(lb);
          }
          return !(la.equals(trueLabel) && lb.equals(trueLabel));
        });
  }

  /**
   * Claims of one group with different answer keys cannot both be True (the exclusion half of
   * {@link #answerKey}).
   *
   * @param attribute the attribute
   * @return claims of one group with different answer keys cannot both be True (the exclusion half
   *     of {@link #answerKey})
   */
  public static ConsistencyRule exclusion(String attribute) {
    return exclusion(attribute, TRUE);
  }

  /**
   * {@link #exclusion(String)} with another name for the True label.
   *
   * @param attribute the attribute
   * @param trueLabel the true label
   * @return {@link #exclusion(String)} with another name for the True label
   */
  public static ConsistencyRule exclusion(String attribute, String trueLabel) {
    requireNonNull(attribute, "attribute");
    return pairRule(
        "exclusion(" + attribute + ")",
        trueLabel,
        (a, la, b, lb) -> {
          String ka = a.attribute(attribute);
          String kb = b.attribute(attribute);
          return ka == null
              || kb == null
              || ka.equals(kb)
              || !(la.equals(trueLabel) && lb.equals(trueLabel));
        });
  }

  /**
   * Claims of one group with equal values of {@code attribute} must have the same label.
   *
   * @param attribute the attribute
   * @return claims of one group with equal values of {@code attribute} must have the same label
   */
  public static ConsistencyRule equivalence(String attribute) {
    requireNonNull(attribute, "attribute");
    return ConsistencyRule.pairwise(
        "equivalence(" + attribute + ")",
        (a, la, b, lb) -> {
          String ka = a.attribute(attribute);
          return ka == null || !ka.equals(b.attribute(attribute)) || la.equals(lb);
        });
  }

  /**
   * Comparison pairs (Alpaca-style): of two claims "A is better than B" and "B is better than A",
   * exactly one is True. Relates every two examples of a group; use {@link #asymmetry(String,
   * String)} when a group holds more than one comparison.
   *
   * @return comparison pairs (Alpaca-style)
   */
  public static ConsistencyRule asymmetry() {
    return asymmetryWith(TRUE);
  }

  /**
   * {@link #asymmetry()} with another name for the True label.
   *
   * @param trueLabel the true label
   * @return {@link #asymmetry()} with another name for the True label
   */
  public static ConsistencyRule asymmetryWith(String trueLabel) {
    return pairRule(
        "asymmetry", trueLabel, (a, la, b, lb) -> la.equals(trueLabel) != lb.equals(trueLabel));
  }

  /**
   * Comparison pairs identified by attributes: examples {@code a} and {@code b} are the two orders
   * of one comparison when {@code a.left == b.right} and {@code a.right == b.left}; then exactly one
   * is True.
   *
   * @param leftAttribute the left attribute
   * @param rightAttribute the right attribute
   * @return comparison pairs identified by attributes
   */
  public static ConsistencyRule asymmetry(String leftAttribute, String rightAttribute) {
    return asymmetry(leftAttribute, rightAttribute, TRUE);
  }

  /**
   * {@link #asymmetry(String, String)} with another name for the True label.
   *
   * @param leftAttribute the left attribute
   * @param rightAttribute the right attribute
   * @param trueLabel the true label
   * @return {@link #asymmetry(String, String)} with another name for the True label
   */
  public static ConsistencyRule asymmetry(
      String leftAttribute, String rightAttribute, String trueLabel) {
    requireNonNull(leftAttribute, "leftAttribute");
    requireNonNull(rightAttribute, "rightAttribute");
    return pairRule(
        "asymmetry(" + leftAttribute + "," + rightAttribute + ")",
        trueLabel,
        (a, la, b, lb) -> {
          String al = a.attribute(leftAttribute);
          String ar = a.attribute(rightAttribute);
          boolean reversed =
              al != null
                  && ar != null
                  && al.equals(b.attribute(rightAttribute))
                  && ar.equals(b.attribute(leftAttribute));
          return !reversed || la.equals(trueLabel) != lb.equals(trueLabel);
        });
  }

  /**
   * At most one True per group: two Trues in one group violate it.
   *
   * @return at most one True per group
   */
  public static ConsistencyRule atMostOne() {
    return atMostOne(TRUE);
  }

  /**
   * {@link #atMostOne()} with another name for the True label.
   *
   * @param trueLabel the true label
   * @return {@link #atMostOne()} with another name for the True label
   */
  public static ConsistencyRule atMostOne(String trueLabel) {
    return pairRule(
        "atMostOne", trueLabel, (a, la, b, lb) -> !(la.equals(trueLabel) && lb.equals(trueLabel)));
  }

  /**
   * Exactly one True per group, for groups that hold every candidate answer to one question: two
   * Trues violate it (one violation per pair), and so does a fully labelled group of two or more
   * with no True (one violation). Removes the degenerate all-False labeling that {@link
   * #atMostOne()} allows. A group of one is never violated.
   *
   * @return exactly one True per group, for groups that hold every candidate answer to one question
   */
  public static ConsistencyRule exactlyOne() {
    return exactlyOne(TRUE);
  }

  /**
   * {@link #exactlyOne()} with another name for the True label.
   *
   * @param trueLabel the true label
   * @return {@link #exactlyOne()} with another name for the True label
   */
  public static ConsistencyRule exactlyOne(String trueLabel) {
    return new ExactlyOne(requireNonNull(trueLabel, "trueLabel"));
  }

  private static ConsistencyRule pairRule(
      String name, String trueLabel, ConsistencyRule.PairPredicate predicate) {
    requireNonNull(trueLabel, "trueLabel");
    String fullName = trueLabel.equals(TRUE) ? name : name + "[" + trueLabel + "]";
    ConsistencyRule pairwise = ConsistencyRule.pairwise(fullName, predicate);
    return new ConsistencyRule() {
      @Override
      public String name() {
        return fullName;
      }

      @Override
      public Set<String> labelsUsed() {
        return Set.of(trueLabel);
      }

      @Override
      public void validate(LabelSpace labelSpace) {
        checkTrueLabel(fullName, trueLabel, labelSpace);
      }

      @Override
      public boolean pairConsistent(Example a, String la, Example b, String lb) {
        return pairwise.pairConsistent(a, la, b, lb);
      }

      @Override
      public String toString() {
        return fullName;
      }
    };
  }

  private static void checkTrueLabel(String rule, String trueLabel, LabelSpace labelSpace) {
    if (!labelSpace.contains(trueLabel)) {
      throw new IllegalArgumentException(
          "rule "
              + rule
              + " refers to the label '"
              + trueLabel
              + "', which the label space "
              + labelSpace.names()
              + " lacks: give the rule the label that means True, e.g. Rules.exactlyOne(\""
              + labelSpace.name(0)
              + "\")");
    }
  }

  private static final class ExactlyOne implements ConsistencyRule {
    private final String trueLabel;
    private final String name;

    ExactlyOne(String trueLabel) {
      this.trueLabel = trueLabel;
      this.name = trueLabel.equals(TRUE) ? "exactlyOne" : "exactlyOne[" + trueLabel + "]";
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Set<String> labelsUsed() {
      return Set.of(trueLabel);
    }

    @Override
    public void validate(LabelSpace labelSpace) {
      checkTrueLabel(name, trueLabel, labelSpace);
    }

    @Override
    public boolean pairConsistent(Example a, String la, Example b, String lb) {
      return !(la.equals(trueLabel) && lb.equals(trueLabel));
    }

    @Override
    public boolean groupConsistent(List<Example> members, List<@Nullable String> labels) {
      if (members.size() < 2) {
        return true;
      }
      for (String l : labels) {
        if (l == null || l.equals(trueLabel)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public boolean hasGroupPart() {
      return true;
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
