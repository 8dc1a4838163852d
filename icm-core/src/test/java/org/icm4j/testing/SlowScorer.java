package org.icm4j.testing;

import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;

/**
 * A planted world's scorer that waits a fixed time before each call, so that a child JVM can be
 * killed in the middle of a run ({@link KillableRun}, {@link KillableFineTuning}). Thread-safe.
 */
public final class SlowScorer implements LabelScorer {
  private final LabelScorer inner;
  private final long delayNanos;

  /** The world's scorer, waiting {@code delayMicros} before each call (0: no wait). */
  public SlowScorer(PlantedWorld world, long delayMicros) {
    this.inner = world.scorer();
    this.delayNanos = delayMicros * 1000;
  }

  @Override
  public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
    pause();
    return inner.score(labels, requests);
  }

  @Override
  public ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
    pause();
    return inner.scoreLeaveOneOut(labels, labelled);
  }

  private void pause() {
    if (delayNanos > 0) {
      LockSupport.parkNanos(delayNanos);
    }
  }
}
