package org.icm4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.icm4j.Example;
import org.icm4j.testing.LargeRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Default settings on 100,000 examples: without a batch size the whole input is one batch, whose
 * leave-one-out requests (n contexts of n - 1 examples) ran a 1 GB heap out of memory after minutes.
 * The run now fails at once, saying what to set.
 */
class RunLimitsTest {
  private static final long GIB = 1L << 30;

  @TempDir Path dir;

  private static List<List<Example>> oneBatch(int n) {
    return List.of(LargeRun.examples(n));
  }

  @Test
  void aBatchWhoseRequestsFitAQuarterOfTheHeap_isAccepted() {
    assertThatCode(() -> RunLimits.check(oneBatch(8000), Integer.MAX_VALUE, GIB)).doesNotThrowAnyException();
    assertThatCode(() -> RunLimits.check(oneBatch(1), Integer.MAX_VALUE, 1)).doesNotThrowAnyException();
    // 8,184 references of 4 bytes squared is the last that fits a quarter of 1 GiB
    assertThat(RunLimits.largestFitting(GIB)).isEqualTo(8184);
    assertThat(RunLimits.requestBytes(8184)).isLessThanOrEqualTo(GIB / 4);
    assertThat(RunLimits.requestBytes(8185)).isGreaterThan(GIB / 4);
  }

  @Test
  void anUnsetBatchSizeOnALargeInput_isRefused_sayingWhatToSet() {
    assertThatThrownBy(() -> RunLimits.check(oneBatch(20_000), Integer.MAX_VALUE, GIB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "20,000 examples in one batch (Icm.Builder.batchSize is not set, so the whole input is one"
                + " batch) is too large: leave-one-out scoring asks for 20,000 requests of 19,999"
                + " demonstrations each, about 1.5 GiB per evaluation, more than a quarter of this JVM's"
                + " 1.0 GiB heap; set Icm.Builder.batchSize(256) (examples per context: what fits your"
                + " model's context; at most 8,184 with this heap), or give the JVM more memory (-Xmx)");
    assertThatThrownBy(() -> RunLimits.check(oneBatch(20_000), 20_000, GIB))
        .hasMessageStartingWith("a batch of 20,000 examples (batchSize(20000)) is too large");
  }

  @Test
  void defaultSettingsOn100000Examples_failAtOnceInA1GbHeap() throws IOException, InterruptedException {
    Path log = dir.resolve("child.log");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                LargeRun.class.getName(), "100000")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      // before the fix the child ran for minutes and died of an OutOfMemoryError
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child ended within a minute").isTrue();
    } finally {
      child.destroyForcibly();
    }
    String out = Files.readString(log);
    assertThat(out)
        .contains("n=100000 failed: java.lang.IllegalArgumentException: 100,000 examples in one batch")
        .contains("set Icm.Builder.batchSize(256)")
        .doesNotContain("OutOfMemoryError");
    double seconds = Double.parseDouble(out.replaceAll("(?s).* after ([0-9.]+) s;.*", "$1"));
    assertThat(seconds).as("failed at once (%s)", out).isLessThan(5);
  }
}
