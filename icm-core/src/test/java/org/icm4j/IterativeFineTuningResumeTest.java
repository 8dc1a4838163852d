package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.icm4j.finetune.FineTuningException;
import org.icm4j.finetune.FineTuningRound;
import org.icm4j.finetune.IterativeFineTuning;
import org.icm4j.finetune.IterativeFineTuningResult;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.RunStatus;
import org.icm4j.testing.ChildJvm;
import org.icm4j.testing.KillableFineTuning.SlowTuner;
import org.icm4j.testing.KillableFineTuning;
import org.icm4j.testing.SlowScorer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A fine-tuner that fails in round 2, and a loop killed (SIGKILL) at moments of its rounds: a run
 * with the same checkpoint resumes from the last finished round to the uninterrupted result.
 */
class IterativeFineTuningResumeTest {
  private static final List<Example> POOL = KillableFineTuning.POOL;

  @TempDir Path dir;

  private static IterativeFineTuningResult uninterrupted() {
    return KillableFineTuning.loop(new SlowTuner(0, -1), null).run(new SlowScorer(KillableFineTuning.WORLD, 0), POOL);
  }

  /** The same labels, batches and rounds (times aside), and a final model of the same details. */
  private static void assertSameLoop(IterativeFineTuningResult expected, IterativeFineTuningResult actual) {
    assertThat(actual.icm().status()).isEqualTo(RunStatus.COMPLETE);
    assertThat(actual.labels()).isEqualTo(expected.labels());
    assertThat(actual.icm().batches()).hasSameSizeAs(expected.icm().batches());
    for (int b = 0; b < expected.icm().batches().size(); b++) {
      BatchSummary e = expected.icm().batches().get(b);
      BatchSummary a = actual.icm().batches().get(b);
      assertThat(a.utility()).as("U of batch %d", b).isEqualTo(e.utility());
      assertThat(a.history()).as("history of batch %d", b).isEqualTo(e.history());
    }
    assertThat(actual.rounds()).hasSameSizeAs(expected.rounds());
    for (int r = 0; r < expected.rounds().size(); r++) {
      FineTuningRound e = expected.rounds().get(r);
      FineTuningRound a = actual.rounds().get(r);
      assertThat(a.index()).isEqualTo(e.index());
      assertThat(a.labelledWith()).isEqualTo(e.labelledWith());
      assertThat(a.batchLabels()).as("labels of round %d", r).isEqualTo(e.batchLabels());
      assertThat(a.fineTuned()).isEqualTo(e.fineTuned());
      assertThat(a.trainedOn()).isEqualTo(e.trainedOn());
      assertThat(a.fineTuningDetails()).isEqualTo(e.fineTuningDetails());
      assertThat(a.labellingCost().iterations()).isEqualTo(e.labellingCost().iterations());
    }
    assertThat(actual.model().orElseThrow().details()).isEqualTo(expected.model().orElseThrow().details());
  }

  @Test
  void aFineTunerFailingInRound2_isNamed_andTheRunResumesFromRound2() {
    IterativeFineTuningResult expected = uninterrupted();
    Path file = dir.resolve("loop.state");
    SlowTuner failing = new SlowTuner(0, 2);
    assertThatThrownBy(() -> KillableFineTuning.loop(failing, file).run(new SlowScorer(KillableFineTuning.WORLD, 0), POOL))
        .isInstanceOf(FineTuningException.class)
        .hasMessage(
            "fine-tuning failed in round 2 (after batch 2, on " + expected.rounds().get(2).trainedOn()
                + " labelled examples): java.lang.IllegalStateException: CUDA error: out of memory; run again"
                + " with checkpoint " + file + " to resume from this round")
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThat(failing.requests()).hasSize(2);
    SlowTuner resumedTuner = new SlowTuner(0, -1);
    IterativeFineTuningResult resumed = KillableFineTuning.loop(resumedTuner, file).run(new SlowScorer(KillableFineTuning.WORLD, 0), POOL);
    assertSameLoop(expected, resumed);
    // rounds 0 and 1 were not done again: the model of round 1 once (to label batch 2), rounds 2 and 3
    assertThat(resumedTuner.requests()).extracting(r -> r.round()).containsExactly(1, 2, 3);
    // a complete checkpoint: the final model is fine-tuned again, nothing else
    SlowTuner again = new SlowTuner(0, -1);
    assertSameLoop(expected, KillableFineTuning.loop(again, file).run(new SlowScorer(KillableFineTuning.WORLD, 0), POOL));
    assertThat(again.requests()).extracting(r -> r.round()).containsExactly(3);
  }

  @Test
  void aCheckpointOfOtherSettingsOrExamples_isRefused_sayingWhatDiffers() {
    Path file = dir.resolve("loop.state");
    // a run that fails in round 1 leaves the checkpoint
    assertThatThrownBy(() -> KillableFineTuning.loop(new SlowTuner(0, 1), file).run(new SlowScorer(KillableFineTuning.WORLD, 0), POOL))
        .isInstanceOf(FineTuningException.class);
    assertThatThrownBy(
            () -> IterativeFineTuning.builder().fineTuner(new SlowTuner(0, -1)).batchSize(12)
                .icm(i -> i.rule(Rules.exactlyOne())).seed(6).checkpoint(file, 2).build()
                .run(new SlowScorer(KillableFineTuning.WORLD, 0), POOL))
        .isInstanceOf(CheckpointException.class)
        .hasMessage(
            "fine-tuning checkpoint " + file + " was written by another run: setting 'loop.seed' is 5 in the"
                + " checkpoint, 6 in this run; resume with the same settings, fine-tuner and examples, or"
                + " delete it and loop.state.icm to start afresh");
    assertThatThrownBy(
            () -> KillableFineTuning.loop(new SlowTuner(0, -1), file).run(new SlowScorer(KillableFineTuning.WORLD, 0), POOL.subList(0, 44)))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("the checkpoint has 48 examples, this run 44; '");
  }

  @Test
  void aStateFileWhoseIcmCheckpointWasDeleted_isRefused() throws IOException {
    Path file = dir.resolve("loop.state");
    assertThatThrownBy(() -> KillableFineTuning.loop(new SlowTuner(0, 2), file).run(new SlowScorer(KillableFineTuning.WORLD, 0), POOL))
        .isInstanceOf(FineTuningException.class);
    Files.delete(IterativeFineTuning.icmCheckpoint(file));
    assertThatThrownBy(() -> KillableFineTuning.loop(new SlowTuner(0, -1), file).run(new SlowScorer(KillableFineTuning.WORLD, 0), POOL))
        .isInstanceOf(CheckpointException.class)
        .hasMessage(
            "fine-tuning checkpoint " + file + " holds 2 finished rounds, but ICM's checkpoint " + file
                + ".icm holds 0 finished batches: one of them was replaced or deleted; delete both to start"
                + " afresh");
  }

  private static Process start(Path file, long scorerMicros, long tunerMillis) throws IOException {
    return ChildJvm.start(
        KillableFineTuning.class, file.resolveSibling(file.getFileName() + ".log"), file.toString(),
        Long.toString(scorerMicros), Long.toString(tunerMillis));
  }

  /** Rounds the state file holds: its "labelledWith" entries, one per round. */
  private static int roundsIn(Path file) {
    try {
      String s = Files.readString(file);
      return s.split("\"labelledWith\"", -1).length - 1;
    } catch (IOException e) {
      return 0;
    }
  }

  @ParameterizedTest(name = "killed {0} ms after round 1 was recorded")
  @ValueSource(ints = {0, 150, 400})
  void aLoopKilledDuringItsRounds_resumesToTheUninterruptedResult(int afterMillis) throws Exception {
    IterativeFineTuningResult expected = uninterrupted();
    Path file = dir.resolve("killed.state");
    // a fine-tuning takes 300 ms: the kills land in fine-tuning (0, 150) or labelling (400)
    Process child = start(file, 300, 300);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (roundsIn(file) < 2 && child.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      Thread.sleep(afterMillis);
      assertThat(child.isAlive())
          .as("the child is still running (log: %s)", Files.readString(file.resolveSibling("killed.state.log")))
          .isTrue();
      child.destroyForcibly(); // SIGKILL
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    int recorded = roundsIn(file);
    assertThat(recorded).isBetween(2, 3);
    SlowTuner tuner = new SlowTuner(0, -1);
    assertSameLoop(expected, KillableFineTuning.loop(tuner, file).run(new SlowScorer(KillableFineTuning.WORLD, 0), POOL));
    assertThat(tuner.requests().get(0).round()).as("resumed from the last finished round").isEqualTo(recorded - 1);
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }
}
