package org.icm4j.internal;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.icm4j.Example;
import org.icm4j.internal.checkpoint.CheckpointStore;
import org.icm4j.spi.LabelScorer;

/** What identifies a run, so that a checkpoint is only resumed by the same run. */
final class RunFingerprint {
  private RunFingerprint() {}

  /**
   * The configuration a checkpoint's fingerprint covers: {@link Config#describe()} with the
   * scorer's class name (a lambda's without its per-JVM suffix), without the memo's size, which
   * changes no result.
   */
  static Map<String, String> fingerprinted(Engine.Config config) {
    Map<String, String> d = new TreeMap<>(config.describe());
    d.put("scorer", scorerClass(config.scorer()));
    d.remove("scoreMemo");
    return d;
  }

  /**
   * The scorer's class name; for a lambda or other hidden class the name up to {@code $$Lambda},
   * which the next JVM gives it too (the rest is a counter and an address).
   */
  static String scorerClass(LabelScorer scorer) {
    String name = scorer.getClass().getName();
    int lambda = name.indexOf("$$Lambda");
    return lambda < 0 ? name : name.substring(0, lambda + "$$Lambda".length());
  }

  /** Identifies configuration + seed + data, so a checkpoint is only resumed by the same run. */
  static String fingerprint(Engine.Config config, List<Example> sorted) {
    Hasher h = Hashing.sha256().newHasher();
    fingerprinted(config).forEach(
        (k, v) -> h.putString(k, StandardCharsets.UTF_8).putByte((byte) 0).putString(v, StandardCharsets.UTF_8).putByte((byte) 1));
    for (Example e : sorted) {
      h.putString(e.id(), StandardCharsets.UTF_8).putByte((byte) 0);
      h.putString(e.prompt(), StandardCharsets.UTF_8).putByte((byte) 0);
      h.putString(e.group(), StandardCharsets.UTF_8).putByte((byte) 0);
      e.attributes().forEach((k, v) -> h.putString(k, StandardCharsets.UTF_8).putByte((byte) 2).putString(v, StandardCharsets.UTF_8).putByte((byte) 3));
      h.putByte((byte) 4);
    }
    return h.hash().toString().substring(0, 32);
  }

  /**
   * What a checkpoint of this run must match, and what its records are checked against. Each
   * example's digests only say which part of it differs when the fingerprint does: they are
   * FarmHash fingerprints (stable, and cheap next to a SHA-256 for 20,000 examples).
   */
  static CheckpointStore.Expected expected(Engine.Config config, List<Example> sorted, List<List<Example>> batches) {
    List<CheckpointStore.ExampleDigest> digests = new ArrayList<>(sorted.size());
    for (Example e : sorted) {
      Hasher attributes = Hashing.farmHashFingerprint64().newHasher();
      e.attributes().forEach((k, v) -> attributes.putString(k, StandardCharsets.UTF_8).putByte((byte) 0).putString(v, StandardCharsets.UTF_8).putByte((byte) 1));
      digests.add(
          new CheckpointStore.ExampleDigest(
              e.id(), digest(e.prompt()), digest(e.group()), attributes.hash().toString().substring(0, 8)));
    }
    List<List<String>> ids = new ArrayList<>(batches.size());
    for (List<Example> b : batches) {
      ids.add(b.stream().map(Example::id).toList());
    }
    return new CheckpointStore.Expected(
        fingerprint(config, sorted),
        fingerprinted(config),
        digests,
        ids,
        config.labelSpace(),
        config.chains(),
        config.settings().alpha(),
        config.seed(),
        config.search().maxIterations(),
        config.search().historyCountsIterations());
  }

  static String digest(String s) {
    return Hashing.farmHashFingerprint64().hashString(s, StandardCharsets.UTF_8).toString().substring(0, 8);
  }
}
