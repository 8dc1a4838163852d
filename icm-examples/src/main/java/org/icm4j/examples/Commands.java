package org.icm4j.examples;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/** What the example commands share: offline DJL by default, and running picocli on given streams. */
final class Commands {
  private Commands() {}

  /** Turns on DJL's offline mode unless the caller set it either way. */
  static void defaultToOffline() {
    if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
  }

  /** A duration as {@code h:mm:ss}. */
  static String format(Duration d) {
    long seconds = d.toSeconds();
    return String.format(
        Locale.ROOT, "%d:%02d:%02d", seconds / 3600, (seconds / 60) % 60, seconds % 60);
  }

  /** The message of what failed in a task: the cause's, or the exception's own when it has no cause. */
  static @Nullable String message(ExecutionException e) {
    Throwable cause = e.getCause();
    return (cause != null ? cause : e).getMessage();
  }

  /** Runs a picocli command on the given streams, flushes them and returns its exit code. */
  static int execute(Object command, PrintWriter out, PrintWriter err, String... args) {
    int code = new CommandLine(command).setOut(out).setErr(err).execute(args);
    out.flush();
    err.flush();
    return code;
  }
}
