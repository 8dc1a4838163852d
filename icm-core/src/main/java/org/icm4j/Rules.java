package org.icm4j;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Objects;
import org.icm4j.spi.ConsistencyRule;
import org.jspecify.annotations.Nullable;

/**
 * Built-in consistency rules, each derived from the inputs only (groups and attributes), never from
 * gold labels. All are immutable and thread-safe. They use the label {@code "True"} unless given
 * another; other labels count as "not True". An example that lacks a rule's attribute is not
 * related by that rule.
 */
public final class Rules {
  private Rules() {}

  /**
   * GSM8K-style answers: two claims of one group with different answer keys cannot both be True,
   * and two with equal keys must have the same label.
   *
   * @param attribute the attribute holding the answer key (e.g. {@code "answer"})
   */
  public static ConsistencyRule answerKey(String attribute) {
    return answerKey(attribute, "True");
  }

  /** {@link #answerKey(String)} with another name for the True label. */
  public static ConsistencyRule answerKey(String attribute, String trueLabel) {
    requireNonNull(attribute, "attribute");
    requireNonNull(trueLabel, "trueLabel");
    return ConsistencyRule.pairwise(
        "answerKey(" + attribute + ")",
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
   */
  public static ConsistencyRule exclusion(String attribute) {
    requireNonNull(attribute, "attribute");
    return ConsistencyRule.pairwise(
        "exclusion(" + attribute + ")",
        (a, la, b, lb) -> {
          String ka = a.attribute(attribute);
          String kb = b.attribute(attribute);
          return ka == null
              || kb == null
              || ka.equals(kb)
              || !(la.equals("True") && lb.equals("True"));
        });
  }

  /** Claims of one group with equal values of {@code attribute} must have the same label. */
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
   */
  public static ConsistencyRule asymmetry() {
    return ConsistencyRule.pairwise(
        "asymmetry", (a, la, b, lb) -> la.equals("True") != lb.equals("True"));
  }

  /**
   * Comparison pairs identified by attributes: examples {@code a} and {@code b} are the two orders
   * of one comparison when {@code a.left == b.right} and {@code a.right == b.left}; then exactly one
   * is True.
   */
  public static ConsistencyRule asymmetry(String leftAttribute, String rightAttribute) {
    requireNonNull(leftAttribute, "leftAttribute");
    requireNonNull(rightAttribute, "rightAttribute");
    return ConsistencyRule.pairwise(
        "asymmetry(" + leftAttribute + "," + rightAttribute + ")",
        (a, la, b, lb) -> {
          String al = a.attribute(leftAttribute);
          String ar = a.attribute(rightAttribute);
          boolean reversed =
              al != null
                  && ar != null
                  && al.equals(b.attribute(rightAttribute))
                  && ar.equals(b.attribute(leftAttribute));
          return !reversed || la.equals("True") != lb.equals("True");
        });
  }

  /** At most one True per group: two Trues in one group violate it. */
  public static ConsistencyRule atMostOne() {
    return ConsistencyRule.pairwise(
        "atMostOne", (a, la, b, lb) -> !(la.equals("True") && lb.equals("True")));
  }

  /**
   * Exactly one True per group, for groups that hold every candidate answer to one question: two
   * Trues violate it (one violation per pair), and so does a fully labelled group with no True (one
   * violation). Removes the degenerate all-False labeling that {@link #atMostOne()} allows.
   */
  public static ConsistencyRule exactlyOne() {
    return new ExactlyOne();
  }

  private static final class ExactlyOne implements ConsistencyRule {
    @Override
    public String name() {
      return "exactlyOne";
    }

    @Override
    public boolean pairConsistent(Example a, String la, Example b, String lb) {
      return !(la.equals("True") && lb.equals("True"));
    }

    @Override
    public boolean groupConsistent(List<Example> members, List<@Nullable String> labels) {
      if (members.size() < 2) {
        return true;
      }
      for (String l : labels) {
        if (l == null || l.equals("True")) {
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
      return name();
    }
  }

  static String describe(List<ConsistencyRule> rules) {
    return rules.stream().map(ConsistencyRule::name).map(Objects::toString).toList().toString();
  }
}
