package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fine-tuners' files (fine-tune.json, a TorchScript model, copied tokenizer files) are written
 * whole or not at all: a write that fails, or a process killed (SIGKILL) while it writes, leaves
 * the previous file as it was.
 */
class CheckpointFilesTest {
  @TempDir Path dir;

  private static final String OLD = "{\"round\": 1}\n";

  @Test
  void writeAtomically_toARoot_failsNamingIt() {
    Path root = Path.of("/");
    assertThatThrownBy(() -> CheckpointFiles.writeAtomically(root, out -> out.write(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot write /");
  }

  @Test
  void aWriteThatFailsHalfway_leavesTheOldFile_andNoTemporaryFile() throws IOException {
    Path file = Files.writeString(dir.resolve(BlockLmFineTuner.REPORT_FILE), OLD);
    assertThatThrownBy(
            () -> CheckpointFiles.writeAtomically(file, out -> {
              out.write("{\"round\": 2, \"epochs\": [".getBytes(StandardCharsets.UTF_8));
              throw new IOException("No space left on device");
            }))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage("cannot write " + file)
        .hasRootCauseMessage("No space left on device");
    assertThat(Files.readString(file)).isEqualTo(OLD);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly(BlockLmFineTuner.REPORT_FILE);
    }
    CheckpointFiles.writeAtomically(file, out -> out.write("{\"round\": 2}\n".getBytes(StandardCharsets.UTF_8)));
    assertThat(Files.readString(file)).isEqualTo("{\"round\": 2}\n");
  }

  /** Child JVM: writes 64 chunks of 64 KiB to the file, 10 ms apart. */
  public static void main(String[] args) {
    Path file = Path.of(args[0]);
    byte[] chunk = new byte[1 << 16];
    java.util.Arrays.fill(chunk, (byte) 'x');
    CheckpointFiles.writeAtomically(file, out -> {
      for (int i = 0; i < 64; i++) {
        out.write(chunk);
        out.flush();
        if (i == 0) {
          System.out.println("writing");
          System.out.flush();
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
      }
    });
  }

  @Test
  void aProcessKilledWhileItWrites_leavesTheOldFile() throws Exception {
    Path file = Files.writeString(dir.resolve(BlockLmFineTuner.REPORT_FILE), OLD);
    Path log = dir.resolve("child.log");
    Process child =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    CheckpointFilesTest.class.getName(), file.toString()))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.readString(log).contains("writing") && child.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(2);
      }
      Thread.sleep(100);
      assertThat(child.isAlive()).as("the child is still writing (log: %s)", Files.readString(log)).isTrue();
      child.destroyForcibly(); // SIGKILL, halfway through the write
      assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(Files.readString(file)).as("the old report, whole").isEqualTo(OLD);
  }
}
