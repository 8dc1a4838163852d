package org.icm4j.djl.train;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.icm4j.djl.CausalLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.finetune.FineTunedModel;

/**
 * A fine-tuned (or base) model with the {@link DjlScorer} over it: closing it closes the scorer
 * and the model, not the tokenizer. Thread-safe to close.
 */
final class ScoredModel implements FineTunedModel {
  private final CausalLm lm;
  private final DjlScorer scorer;
  private final Map<String, String> details;
  private final String name;
  private boolean closed;

  ScoredModel(CausalLm lm, DjlScorer scorer, Map<String, String> details, String name) {
    this.lm = requireNonNull(lm, "lm");
    this.scorer = requireNonNull(scorer, "scorer");
    this.details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
    this.name = requireNonNull(name, "name");
  }

  @Override
  public LabelScorer scorer() {
    return scorer;
  }

  @Override
  public Map<String, String> details() {
    return details;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      scorer.close();
      lm.close();
    }
  }

  @Override
  public String toString() {
    return name + " " + details;
  }
}
