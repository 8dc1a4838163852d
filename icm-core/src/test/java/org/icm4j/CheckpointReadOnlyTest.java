package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.icm4j.RunAssertions.assertSameRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.IcmResult;
import org.icm4j.result.RunStatus;
import org.icm4j.search.Searches;
import org.icm4j.spi.IcmListener;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint directory made read-only while the run works on its last batch: the final
 * compaction cannot write its temporary file, and the finished result is returned all the same
 * (the batch is appended to the file instead, so a resume finds the run complete).
 */
class CheckpointReadOnlyTest {
  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(8, 5));

  @TempDir Path dir;

  private static Icm.Builder builder() {
    return Icm.builder().search(Searches.paper().withIterations(40)).labelEveryExample(false)
        .scorer(WORLD.scorer())
        .rule(Rules.exactlyOne())
        .chains(1)
        .batchSize(WORLD.examples().size() / 2)
        .seed(3);
  }

  /**
   * Makes a directory read-only: by its permissions, and, where they do not bind (root), by the
   * immutable attribute. Returns whether it worked.
   */
  private static boolean makeReadOnly(Path d) throws Exception {
    d.toFile().setWritable(false, false);
    if (!canCreateIn(d)) {
      return true;
    }
    Process p = new ProcessBuilder("chattr", "+i", d.toString()).redirectErrorStream(true).start();
    return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && !canCreateIn(d);
  }

  private static void makeWritable(Path d) throws Exception {
    new ProcessBuilder("chattr", "-i", d.toString()).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
    d.toFile().setWritable(true, false);
  }

  private static boolean canCreateIn(Path d) {
    try {
      Files.delete(Files.createTempFile(d, "probe", ".tmp"));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void aDirectoryMadeReadOnlyBeforeTheFinalCompaction_stillReturnsTheFinishedResult() throws Exception {
    IcmResult expected = builder().build().run(WORLD.examples());
    Path ckptDir = Files.createDirectories(dir.resolve("ckpt"));
    Path file = ckptDir.resolve("run.ckpt");
    boolean[] readOnly = {false};
    Exception[] failed = {null};
    IcmListener lockAtLastBatch =
        new IcmListener() {
          @Override
          public void onBatchEnd(BatchSummary summary) {
            if (summary.index() == 1) {
              try {
                readOnly[0] = makeReadOnly(ckptDir);
              } catch (Exception e) {
                failed[0] = e;
              }
            }
          }
        };
    IcmResult result;
    try {
      result = builder().listener(lockAtLastBatch).checkpoint(file, 5).build().run(WORLD.examples());
      assertThat(failed[0]).isNull();
      assertThat(readOnly[0]).as("the directory could be made read-only (chmod, or chattr +i as root)").isTrue();
      assertThat(canCreateIn(ckptDir)).isFalse();
    } finally {
      makeWritable(ckptDir);
    }
    assertThat(result.status()).isEqualTo(RunStatus.COMPLETE);
    assertSameRun(expected, result);
    // the last batch was appended instead: a resume finds the run complete and does no work
    IcmResult resumed = builder().checkpoint(file, 5).build().run(WORLD.examples());
    assertThat(resumed.status()).isEqualTo(RunStatus.COMPLETE);
    assertThat(resumed.labels()).isEqualTo(expected.labels());
    assertThat(resumed.counts().scorerCalls()).isEqualTo(expected.counts().scorerCalls());
    try (Stream<Path> left = Files.list(ckptDir)) {
      assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrder("run.ckpt", "run.ckpt.lock");
    }
  }
}
