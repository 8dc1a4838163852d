package org.icm4j.djl;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the test class path in a fresh JVM (for what happens once per process:
 * PyTorch's engine start, its thread pools, DJL's start-up probes), with chosen system properties
 * and without the DJL and OpenMP variables of this process's environment.
 */
final class ChildJvm {
  private ChildJvm() {}

  /** The exit code and the merged standard output and error of a child run. */
  record Result(int exitCode, String output) {}

  /** Environment variables that change DJL's or PyTorch's behaviour; removed for the child. */
  static final List<String> CLEARED_ENV =
      List.of(
          "DJL_OFFLINE", "OPT_OUT_TRACKING", "OMP_WAIT_POLICY", "OMP_NUM_THREADS", "MKL_NUM_THREADS");

  static Result run(Class<?> main, Map<String, String> properties, List<String> args, long timeoutSeconds)
      throws IOException, InterruptedException {
    return run(main, properties, args, timeoutSeconds, Path.of("").toAbsolutePath());
  }

  /** As {@link #run(Class, Map, List, long)}, in another working directory. */
  static Result run(
      Class<?> main, Map<String, String> properties, List<String> args, long timeoutSeconds, Path workingDir)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(classPath());
    properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    cmd.add(main.getName());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(workingDir.toFile());
    CLEARED_ENV.forEach(pb.environment()::remove);
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out;
    try (var in = p.getInputStream()) {
      out = in.readAllBytes();
    }
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("child JVM " + main.getName() + " did not end in " + timeoutSeconds + " s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /**
   * This JVM's class path: the class loader's URLs when it has them (Maven's exec:java runs the
   * tests' classes in such a loader), else {@code java.class.path} (surefire's forked JVM).
   */
  static String classPath() {
    Set<String> entries = new LinkedHashSet<>();
    for (ClassLoader l = ChildJvm.class.getClassLoader(); l != null; l = l.getParent()) {
      if (l instanceof URLClassLoader u) {
        for (URL url : u.getURLs()) {
          try {
            entries.add(Path.of(url.toURI()).toString());
          } catch (URISyntaxException | IllegalArgumentException e) {
            // not a file: skip it
          }
        }
      }
    }
    String own = System.getProperty("java.class.path");
    if (own != null && !own.isEmpty()) {
      entries.add(own);
    }
    return String.join(File.pathSeparator, entries);
  }
}
