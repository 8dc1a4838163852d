package org.icm4j;

import org.jspecify.annotations.Nullable;

/** A checkpoint could not be written or read, or was written by another configuration or data set. */
public final class CheckpointException extends IcmException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what went wrong, naming the file and what to do
   * @param cause the cause, or {@code null}
   */
  public CheckpointException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
