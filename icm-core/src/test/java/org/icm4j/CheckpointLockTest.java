package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.icm4j.RunAssertions.assertSameSearch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.icm4j.result.IcmResult;
import org.icm4j.result.RunStatus;
import org.icm4j.spi.IcmListener;
import org.icm4j.testing.ChildJvm;
import org.icm4j.testing.KillableRun;
import org.icm4j.testing.SlowScorer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One run at a time on a checkpoint: a second run, in another JVM or in this one, is refused at
 * once and touches nothing (not even the temporary files of the run that holds it); after the
 * holder is killed the operating system has released its lock and a new run resumes.
 */
class CheckpointLockTest {
  /** The child's scorer waits this long per call: its run lasts seconds. */
  private static final long SLOW_MICROS = 6000;

  @TempDir Path dir;

  private static Process start(Path file, String log) throws IOException {
    return ChildJvm.start(
        KillableRun.class, file.resolveSibling(log), file.toString(), "default", Long.toString(SLOW_MICROS));
  }

  private static Icm.Builder run() {
    return KillableRun.builder(false, new SlowScorer(KillableRun.WORLD, 0));
  }

  private static void awaitFile(Path file, Process child) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(file) && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(Files.exists(file)).as("the child's checkpoint appeared").isTrue();
  }

  @Test
  void aSecondProcessOnTheSameCheckpoint_isRefusedAtOnce_andResumesOnceTheHolderIsKilled() throws Exception {
    Path file = dir.resolve("run.ckpt");
    Process child = start(file, "child.log");
    try {
      awaitFile(file, child);
      // a temporary file as the child's compaction writes it: the refused run must leave it
      Path childsTemporary = Files.writeString(dir.resolve("run.ckpt.5550123.tmp"), "being written");
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> run().checkpoint(file, KillableRun.EVERY).build().run(KillableRun.WORLD.examples()))
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining("checkpoint " + file + " is in use by another run (process " + child.pid() + " holds")
          .hasMessageContaining("give this run another checkpoint file");
      long refusedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(refusedMillis).as("refused at once").isLessThan(2000);
      assertThat(childsTemporary).exists();
      assertThat(child.isAlive()).as("the holder is still running (log: %s)", Files.readString(dir.resolve("child.log")))
          .isTrue();
      // the holder crashes: the operating system releases its lock
      child.destroyForcibly();
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
      IcmResult resumed = run().checkpoint(file, KillableRun.EVERY).build().run(KillableRun.WORLD.examples());
      assertThat(resumed.status()).isEqualTo(RunStatus.COMPLETE);
      assertSameSearch(run().build().run(KillableRun.WORLD.examples()), resumed);
      assertThat(childsTemporary).as("stale once its owner died: removed").doesNotExist();
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void twoProcessesStartedTogether_oneRunsAndTheOtherIsRefused() throws Exception {
    Path file = dir.resolve("both.ckpt");
    Process a = start(file, "a.log");
    Process b = start(file, "b.log");
    try {
      assertThat(a.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(b.waitFor(120, TimeUnit.SECONDS)).isTrue();
      String logA = Files.readString(dir.resolve("a.log"));
      String logB = Files.readString(dir.resolve("b.log"));
      boolean aRan = a.exitValue() == 0;
      String ran = aRan ? logA : logB;
      String refused = aRan ? logB : logA;
      assertThat(List.of(a.exitValue(), b.exitValue())).as("logs:\n%s\n---\n%s", logA, logB).containsOnlyOnce(0);
      assertThat(ran).contains("finished");
      assertThat(refused).contains("CheckpointException").contains("is in use by another run (process");
      IcmResult resumed = run().checkpoint(file, KillableRun.EVERY).build().run(KillableRun.WORLD.examples());
      assertSameSearch(run().build().run(KillableRun.WORLD.examples()), resumed);
    } finally {
      a.destroyForcibly();
      b.destroyForcibly();
    }
  }

  @Test
  void aSecondRunInThisJvm_isRefused() {
    Path file = dir.resolve("same-jvm.ckpt");
    RuntimeException[] second = {null};
    IcmListener startsAnother =
        new IcmListener() {
          @Override
          public void onBatchStart(int batch, int batches, int size) {
            if (batch == 0) {
              try {
                run().checkpoint(file, KillableRun.EVERY).build().run(KillableRun.WORLD.examples());
              } catch (RuntimeException e) {
                second[0] = e;
              }
            }
          }
        };
    IcmResult first = run().listener(startsAnother).checkpoint(file, KillableRun.EVERY).build().run(KillableRun.WORLD.examples());
    assertThat(first.status()).isEqualTo(RunStatus.COMPLETE);
    assertThat(second[0])
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining("is in use by another run (a run in this JVM holds " + file + ".lock)");
  }
}
