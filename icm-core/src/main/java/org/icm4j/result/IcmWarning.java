package org.icm4j.result;

import static java.util.Objects.requireNonNull;

import org.icm4j.Icm;

/**
 * Something about a result that may make it wrong, found without gold labels. Immutable and
 * thread-safe.
 *
 * @param kind what kind of doubt
 * @param batch the batch it concerns
 * @param message what was found and what to do, for people
 */
public record IcmWarning(Kind kind, int batch, String message) {
  /**
   * Checks the components and copies the collections.
   *
   * @param kind what kind of doubt
   * @param batch the batch it concerns
   * @param message what was found and what to do, for people
   */
  public IcmWarning {
    requireNonNull(kind, "kind");
    requireNonNull(message, "message");
  }

  /** Kinds of doubt. */
  public enum Kind {
    /**
     * The best labeling of the batch was reached by one start (or chain) only: the search does not
     * confirm itself, and more starts may find a labeling of higher U.
     */
    UNCONFIRMED,
    /** The labels break consistency rules (I > 0). */
    RULES_BROKEN,
    /** The search left examples unlabelled; the completion after it labelled them. */
    COMPLETED_AFTER_SEARCH,
    /**
     * Another labeling that disagrees with the kept one on a real share of the examples is nearly
     * as coherent (its U is close, and it breaks no more rules): the objective cannot tell the two
     * concepts apart, and the kept one may be the wrong one. The alternative is in {@link
     * BatchSummary#alternatives()}; label a few of {@link IcmResult#suggestions()} and run again
     * with them as {@link Icm.Builder#trustedLabels trusted labels}.
     */
    COMPETING_LABELING,
    /**
     * The labeling gives (almost) every example of the batch one label although the label space
     * has several: a learner that predicts whatever label its context holds most makes such a
     * labeling perfectly predictable, whatever the concept.
     */
    ONE_LABEL,
    /**
     * A trusted label that the model finds very unlikely given every other label of its batch: a
     * slip of the person who gave it, or a concept the rest of the labels do not follow.
     */
    SUSPECT_TRUSTED_LABEL
  }

  @Override
  public String toString() {
    return kind + " (batch " + batch + "): " + message;
  }
}
