package org.icm4j.examples;

import java.io.PrintWriter;
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

  /** Runs a picocli command on the given streams, flushes them and returns its exit code. */
  static int execute(Object command, PrintWriter out, PrintWriter err, String... args) {
    int code = new CommandLine(command).setOut(out).setErr(err).execute(args);
    out.flush();
    err.flush();
    return code;
  }
}
