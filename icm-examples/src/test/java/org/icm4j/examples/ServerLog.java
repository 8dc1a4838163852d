package org.icm4j.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a {@code llama-server} says it did, read from its own log: one {@code print_timing ...
 * prompt eval time = ... / N tokens} line per completion request, N the prompt tokens it evaluated
 * (the ones its cache did not hold).
 *
 * @param requests completion requests the server finished
 * @param evaluatedTokens prompt tokens it evaluated for them
 */
record ServerLog(long requests, long evaluatedTokens) {

  private static final Pattern PROMPT_EVAL =
      Pattern.compile("prompt eval time =\\s*[0-9.]+ ms /\\s*([0-9]+) tokens");

  /** Reads the log as it is now. */
  static ServerLog read(Path log) {
    long requests = 0;
    long tokens = 0;
    try {
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        Matcher m = PROMPT_EVAL.matcher(line);
        if (m.find()) {
          requests++;
          tokens += Long.parseLong(m.group(1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ServerLog(requests, tokens);
  }

  /** This minus {@code earlier}. */
  ServerLog minus(ServerLog earlier) {
    return new ServerLog(requests - earlier.requests, evaluatedTokens - earlier.evaluatedTokens);
  }

  /** This plus {@code other}. */
  ServerLog plus(ServerLog other) {
    return new ServerLog(requests + other.requests, evaluatedTokens + other.evaluatedTokens);
  }
}
