package org.icm4j.http;

import org.icm4j.IcmException;
import org.jspecify.annotations.Nullable;

/**
 * The inference server could not be reached, did not answer in time, or answered in a way asking
 * again will not fix (a 4xx, an answer over {@link HttpScorer.Builder#maxResponseBytes}, JSON that
 * does not parse). The message names the request (and the example, when there is one), the
 * server's address and its answer, and what to change. Thrown by {@link HttpScorer.Builder#build()}
 * and by {@link HttpScorer}'s scoring calls; an answer that parses but is wrong (a missing field,
 * another token, another model) is a plain {@link IcmException}. Immutable.
 */
public final class InferenceServerException extends IcmException {
  private static final long serialVersionUID = 1L;

  /**
   * A failure talking to the server.
   *
   * @param message what went wrong and what to do
   * @param exampleId the example the request was about, or {@code null} (a request at start)
   * @param cause the cause, or {@code null}
   */
  public InferenceServerException(String message, @Nullable String exampleId, @Nullable Throwable cause) {
    super(message, exampleId, cause);
  }
}
