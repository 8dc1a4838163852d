package org.icm4j.spark;

import java.io.Serializable;
import org.icm4j.spi.LabelScorer;

/**
 * Makes a scorer on an executor. Spark sends the factory (not a scorer) to the executors, so it
 * must be serializable: capture settings (an endpoint, a model path), not open clients. Each
 * executor makes at most one scorer per task running at once there and reuses it for later
 * batches ({@link SparkIcm}); a scorer that is {@link AutoCloseable} is closed when its JVM exits.
 *
 * <pre>{@code
 * ScorerFactory scorers = () -> HttpScorer.builder()
 *     .endpoint("http://router:8000").engine(Engine.VLLM).model("my-70b")
 *     .routingHeader(HttpScorer.SESSION_ID_HEADER)   // one batch, one replica
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface ScorerFactory extends Serializable {

  /**
   * A new scorer.
   *
   * @return a scorer; {@link SparkIcm} uses it from one task at a time
   */
  LabelScorer create();
}
