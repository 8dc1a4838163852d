package org.icm4j;

/** A scorer answered with a value ICM cannot use: NaN, infinite, or the wrong number of labels. */
public final class InvalidScoreException extends IcmException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what was wrong, with the values
   * @param exampleId the query example whose score was invalid
   */
  public InvalidScoreException(String message, String exampleId) {
    super(message, exampleId, null);
  }
}
