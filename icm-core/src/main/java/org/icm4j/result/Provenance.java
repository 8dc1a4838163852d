package org.icm4j.result;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * Where a result came from: enough to repeat it. Immutable and thread-safe.
 *
 * @param libraryVersion icm4j's version
 * @param configuration every setting of the run, by name (sorted)
 * @param seed the run's seed
 * @param javaVersion {@code java.version}
 * @param os {@code os.name} and {@code os.version}
 * @param arch {@code os.arch}
 */
public record Provenance(
    String libraryVersion,
    Map<String, String> configuration,
    long seed,
    String javaVersion,
    String os,
    String arch) {
  /**
   * Checks the components and copies the collections.
   *
   * @param libraryVersion icm4j's version
   * @param configuration every setting of the run, by name (sorted)
   * @param seed the run's seed
   * @param javaVersion {@code java.version}
   * @param os {@code os.name} and {@code os.version}
   * @param arch {@code os.arch}
   */
  public Provenance {
    requireNonNull(libraryVersion, "libraryVersion");
    configuration =
        java.util.Collections.unmodifiableMap(
            new java.util.TreeMap<>(requireNonNull(configuration, "configuration")));
    requireNonNull(javaVersion, "javaVersion");
    requireNonNull(os, "os");
    requireNonNull(arch, "arch");
  }
}
