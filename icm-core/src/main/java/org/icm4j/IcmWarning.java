package org.icm4j;

import static java.util.Objects.requireNonNull;

/**
 * Something about a result that may make it wrong, found without gold labels. Immutable and
 * thread-safe.
 *
 * @param kind what kind of doubt
 * @param batch the batch it concerns
 * @param message what was found and what to do, for people
 */
public record IcmWarning(Kind kind, int batch, String message) {
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
    COMPLETED_AFTER_SEARCH
  }

  @Override
  public String toString() {
    return kind + " (batch " + batch + "): " + message;
  }
}
