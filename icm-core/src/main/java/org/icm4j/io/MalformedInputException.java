package org.icm4j.io;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import org.icm4j.IcmException;
import org.jspecify.annotations.Nullable;

/**
 * A line of an input file that cannot be used: invalid JSON or UTF-8, a missing or mistyped field,
 * an unknown label, a duplicate id. The message names the source, the 1-based line number, the
 * offending value and what the line must look like, e.g. {@code "examples.jsonl line 17: missing
 * field 'prompt' — each line must be a JSON object with id, prompt and optional group,
 * attributes"}. Immutable once thrown; safe to share between threads.
 */
public final class MalformedInputException extends IcmException {
  private static final long serialVersionUID = 1L;

  /** The source this failure names; serialized with it. */
  private final String source;
  /** The line this failure names; serialized with it. */
  private final int line;

  /**
   * Creates the exception; its message is {@code source + " line " + line + ": " + problem}.
   *
   * @param source the file or source name, as the user knows it (e.g. the path)
   * @param line the 1-based line number, at least 1
   * @param problem what is wrong with the line and how to fix it, quoting the bad value
   * @param exampleId the id of the example on the line, or {@code null} when it is not known
   * @param cause the underlying parse error, or {@code null}
   * @throws IllegalArgumentException if {@code line < 1}
   */
  public MalformedInputException(
      String source,
      int line,
      String problem,
      @Nullable String exampleId,
      @Nullable Throwable cause) {
    super(
        requireNonNull(source, "source") + " line " + checkLine(line) + ": "
            + requireNonNull(problem, "problem"),
        exampleId,
        cause);
    this.source = source;
    this.line = line;
  }

  private static int checkLine(int line) {
    checkArgument(line >= 1, "line numbers are 1-based, but was %s", line);
    return line;
  }

  /**
   * The file or source name the bad line came from.
   *
   * @return the file or source name the bad line came from
   */
  public String source() {
    return source;
  }

  /**
   * The 1-based number of the bad line.
   *
   * @return the 1-based number of the bad line
   */
  public int line() {
    return line;
  }
}
