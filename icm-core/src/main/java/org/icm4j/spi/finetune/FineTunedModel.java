package org.icm4j.spi.finetune;

import java.util.Map;
import org.icm4j.spi.LabelScorer;

/**
 * A model a {@link FineTuner} returned: a scorer over it, what the training did, and the resources
 * to release. Thread-safety: the {@link #scorer()}'s, as its implementation states.
 */
public interface FineTunedModel extends AutoCloseable {

  /**
   * The scorer over the fine-tuned model (valid until {@link #close()}).
   *
   * @return the scorer
   */
  LabelScorer scorer();

  /**
   * What the training did, by name, for reports: for example the directory the model was saved
   * in, the epochs and steps run, the validation loss and whether training stopped early.
   *
   * @return the details (empty by default), in a stable order
   */
  default Map<String, String> details() {
    return Map.of();
  }

  /** Releases the model; its scorer must not be used afterwards. Calling it again does nothing. */
  @Override
  void close();

  /**
   * A model whose scorer needs no release (e.g. one served elsewhere).
   *
   * @param scorer the scorer
   * @param details what the training did
   * @return the model; {@link #close()} does nothing
   */
  static FineTunedModel of(LabelScorer scorer, Map<String, String> details) {
    java.util.Objects.requireNonNull(scorer, "scorer");
    Map<String, String> copy =
        java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
    return new FineTunedModel() {
      @Override
      public LabelScorer scorer() {
        return scorer;
      }

      @Override
      public Map<String, String> details() {
        return copy;
      }

      @Override
      public void close() {}

      @Override
      public String toString() {
        return "FineTunedModel(" + scorer + ", " + copy + ")";
      }
    };
  }
}
