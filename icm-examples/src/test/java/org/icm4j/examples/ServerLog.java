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

  /** Each replica's log of the fleet as it is now, in replica order. */
  static ServerLog[] ofReplicas(LlamaServerFixture fleet) {
    ServerLog[] logs = new ServerLog[fleet.replicas.size()];
    for (int i = 0; i < logs.length; i++) {
      logs[i] = read(fleet.replicas.get(i).log());
    }
    return logs;
  }

  /** A server writes its log a moment after it answers: reads until two reads 200 ms apart agree. */
  static <T> T settled(java.util.function.Supplier<T> read) {
    T last = read.get();
    for (int i = 0; i < 25; i++) {
      sleep(200);
      T now = read.get();
      if (java.util.Objects.deepEquals(now, last)) { // arrays of counts compare by content
        return now;
      }
      last = now;
    }
    return last;
  }

  /** Sleeps; an interrupt fails the test. */
  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Each replica's {@code after} minus its {@code before}. */
  static ServerLog[] minus(ServerLog[] after, ServerLog[] before) {
    ServerLog[] out = new ServerLog[after.length];
    for (int i = 0; i < after.length; i++) {
      out[i] = after[i].minus(before[i]);
    }
    return out;
  }

  /** The sum over replicas. */
  static ServerLog total(ServerLog[] logs) {
    ServerLog sum = new ServerLog(0, 0);
    for (ServerLog l : logs) {
      sum = sum.plus(l);
    }
    return sum;
  }
}
