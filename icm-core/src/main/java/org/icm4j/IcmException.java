package org.icm4j;

import org.jspecify.annotations.Nullable;

/**
 * A run-time failure of an ICM run: a scorer that returns NaN or the wrong number of labels, a
 * model that cannot load, a checkpoint that does not match. The message names the example or file
 * involved and what to change.
 */
public class IcmException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The example id this failure names; serialized with it. */
  private final @Nullable String exampleId;

  /**
   * A failure not tied to one example.
   *
   * @param message the message
   */
  public IcmException(String message) {
    this(message, null, null);
  }

  /**
   * A failure with a cause, not tied to one example.
   *
   * @param message the message
   * @param cause the cause
   */
  public IcmException(String message, @Nullable Throwable cause) {
    this(message, null, cause);
  }

  /**
   * A failure involving one example.
   *
   * @param message what went wrong and what to do
   * @param exampleId the example involved, or {@code null}
   * @param cause the cause, or {@code null}
   */
  public IcmException(String message, @Nullable String exampleId, @Nullable Throwable cause) {
    super(message, cause);
    this.exampleId = exampleId;
  }

  /**
   * The id of the example involved, when there is one.
   *
   * @return the id of the example involved, when there is one
   */
  public @Nullable String exampleId() {
    return exampleId;
  }
}
