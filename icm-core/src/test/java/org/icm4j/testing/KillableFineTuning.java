package org.icm4j.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.icm4j.Example;
import org.icm4j.Rules;
import org.icm4j.finetune.IterativeFineTuning;
import org.icm4j.finetune.IterativeFineTuningResult;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.icm4j.spi.finetune.FineTunedModel;
import org.icm4j.spi.finetune.FineTuner;

/**
 * A resumable iterative fine-tuning for a child JVM to be killed in: the planted world's scorer and
 * fine-tuner, made slow. The parent resumes the same loop without the delays. Run as {@code
 * KillableFineTuning <state file> <scorer delay micros> <fine-tuning delay millis> [fail-at-round]}.
 */
public final class KillableFineTuning {
  private KillableFineTuning() {}

  /** 12 questions of 4 candidates: 48 examples, 4 batches of 12. */
  public static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(20, 3));

  /** The examples of the loop. */
  public static final List<Example> POOL = WORLD.examples().subList(0, 48);

  /**
   * The planted fine-tuner, waiting before it answers, and failing in one round when asked to
   * (one class whatever its settings: a checkpoint written with one resumes with another).
   */
  public static final class SlowTuner implements FineTuner {
    private final PlantedFineTuner inner = new PlantedFineTuner(WORLD, 2.0);
    private final long delayMillis;
    private final int failAt;

    public SlowTuner(long delayMillis, int failAt) {
      this.delayMillis = delayMillis;
      this.failAt = failAt;
    }

    @Override
    public FineTunedModel fineTune(FineTuneRequest request) {
      if (delayMillis > 0) {
        LockSupport.parkNanos(delayMillis * 1_000_000);
      }
      if (request.round() == failAt) {
        throw new IllegalStateException("CUDA error: out of memory");
      }
      return inner.fineTune(request);
    }

    /** The requests the planted tuner answered. */
    public List<FineTuneRequest> requests() {
      return inner.requests();
    }
  }

  /** The loop, with a checkpoint when {@code file} is not null. */
  public static IterativeFineTuning loop(FineTuner tuner, Path file) {
    IterativeFineTuning.Builder b =
        IterativeFineTuning.builder().fineTuner(tuner).batchSize(12).icm(i -> i.rule(Rules.exactlyOne())).seed(5);
    if (file != null) {
      b.checkpoint(file, 2);
    }
    return b.build();
  }

  public static void main(String[] args) {
    Path file = Path.of(args[0]);
    long scorerDelay = Long.parseLong(args[1]);
    long tunerDelay = Long.parseLong(args[2]);
    int failAt = args.length > 3 ? Integer.parseInt(args[3]) : -1;
    try (IterativeFineTuningResult r =
        loop(new SlowTuner(tunerDelay, failAt), file).run(new SlowScorer(WORLD, scorerDelay), POOL)) {
      System.out.println("finished " + r.rounds().size());
    }
  }
}
