package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.icm4j.RunAssertions.assertSameRun;
import static org.icm4j.RunAssertions.assertSameSearch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.icm4j.result.IcmResult;
import org.icm4j.result.RunStatus;
import org.icm4j.testing.ChildJvm;
import org.icm4j.testing.KillableRun;
import org.icm4j.testing.SlowScorer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code kill -9} at random moments: a child JVM runs {@link KillableRun} with a checkpoint and is
 * killed (SIGKILL, no shutdown hook runs) some time after the checkpoint file appears; this JVM
 * resumes from the file and gets the uninterrupted result.
 */
class CheckpointKillTest {
  private static final int CHILDREN = 3;

  @TempDir Path dir;

  private static Process start(Path file, boolean paper, long delayMicros) throws IOException {
    return ChildJvm.start(
        KillableRun.class, file.resolveSibling(file.getFileName() + ".log"), file.toString(),
        paper ? "paper" : "default", Long.toString(delayMicros));
  }

  @ParameterizedTest(name = "paper annealing: {0}")
  @ValueSource(booleans = {true, false})
  void aRunKilledAtRandomMoments_resumesToTheUninterruptedResult(boolean paper) throws Exception {
    IcmResult expected = KillableRun.builder(paper, new SlowScorer(KillableRun.WORLD, 0)).build().run(KillableRun.WORLD.examples());
    // the child's scorer waits so that its run lasts seconds: the kills land inside it
    long delayMicros = paper ? 400 : 6000;
    SplittableRandom random = new SplittableRandom(paper ? 17 : 18);
    List<Path> files = new ArrayList<>();
    List<Process> children = new ArrayList<>();
    for (int k = 0; k < CHILDREN; k++) {
      Path file = dir.resolve("run-" + k + ".ckpt");
      files.add(file);
      children.add(start(file, paper, delayMicros));
    }
    List<Long> killAfter = new ArrayList<>();
    for (int k = 0; k < CHILDREN; k++) {
      killAfter.add(random.nextLong(1, 1000));
    }
    long[] appeared = new long[CHILDREN];
    boolean[] killed = new boolean[CHILDREN];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    int open = CHILDREN;
    while (open > 0 && System.nanoTime() < deadline) {
      for (int k = 0; k < CHILDREN; k++) {
        Process p = children.get(k);
        if (killed[k] || !p.isAlive() && appeared[k] == 0) {
          continue;
        }
        if (appeared[k] == 0 && Files.exists(files.get(k))) {
          appeared[k] = System.nanoTime();
        }
        if (appeared[k] != 0 && System.nanoTime() - appeared[k] >= TimeUnit.MILLISECONDS.toNanos(killAfter.get(k))) {
          assertThat(p.isAlive())
              .as("child %d is still running %d ms after its checkpoint appeared (log: %s)", k, killAfter.get(k),
                  Files.readString(files.get(k).resolveSibling(files.get(k).getFileName() + ".log")))
              .isTrue();
          p.destroyForcibly(); // SIGKILL
          killed[k] = true;
          open--;
        }
      }
      Thread.sleep(2);
    }
    for (int k = 0; k < CHILDREN; k++) {
      Process p = children.get(k);
      assertThat(killed[k]).as("child %d was killed", k).isTrue();
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isNotZero();
    }
    for (Path file : files) {
      IcmResult resumed =
          KillableRun.builder(paper, new SlowScorer(KillableRun.WORLD, 0)).checkpoint(file, KillableRun.EVERY).build()
              .run(KillableRun.WORLD.examples());
      assertThat(resumed.status()).isEqualTo(RunStatus.COMPLETE);
      if (paper) {
        assertSameRun(expected, resumed); // without a memo: even the scorer's counts
      } else {
        assertSameSearch(expected, resumed);
        assertThat(resumed.details()).isEqualTo(expected.details());
      }
    }
    // no temporary file of a write the kills interrupted is left
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }
}
