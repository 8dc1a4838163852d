package org.icm4j.spi.reward;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.reward.PreferencePair;

/**
 * What a {@link RewardTrainer} trains on: preference pairs and a seed. Immutable and thread-safe.
 *
 * @param pairs the pairs, at least one, copied in the order given; two pairs that use the same
 *     example id must use the same example (same prompt, group and attributes)
 * @param seed the seed of the training run (data order, validation split)
 */
public record RewardTrainingRequest(List<PreferencePair> pairs, long seed) {

  /**
   * Validates and copies; see the record description for the rules.
   *
   * @param pairs the pairs, at least one, copied in the order given; two pairs that use the same
   *     example id must use the same example (same prompt, group and attributes)
   * @param seed the seed of the training run (data order, validation split)
   */
  public RewardTrainingRequest {
    requireNonNull(pairs, "pairs");
    checkArgument(!pairs.isEmpty(), "a reward-training request needs at least one preference pair");
    Map<String, Example> byId = new HashMap<>();
    for (PreferencePair p : pairs) {
      requireNonNull(p, "pairs must not contain null");
      for (Example e : List.of(p.chosen(), p.rejected())) {
        Example seen = byId.putIfAbsent(e.id(), e);
        checkArgument(
            seen == null || seen.equals(e),
            "two pairs use example id '%s' for different examples (prompts '%s' and '%s'): give"
                + " every response its own id",
            e.id(),
            seen == null ? "" : seen.prompt(),
            e.prompt());
      }
    }
    pairs = List.copyOf(pairs);
  }

  /**
   * The distinct responses of the pairs, in order of first use.
   *
   * @return the distinct responses of the pairs, in order of first use
   */
  public List<Example> responses() {
    Map<String, Example> byId = new java.util.LinkedHashMap<>();
    for (PreferencePair p : pairs) {
      byId.putIfAbsent(p.chosen().id(), p.chosen());
      byId.putIfAbsent(p.rejected().id(), p.rejected());
    }
    return List.copyOf(byId.values());
  }

  /** A summary (counts and seed); does not list the pairs. */
  @Override
  public String toString() {
    return "RewardTrainingRequest{pairs=" + pairs.size() + ", seed=" + seed + "}";
  }
}
