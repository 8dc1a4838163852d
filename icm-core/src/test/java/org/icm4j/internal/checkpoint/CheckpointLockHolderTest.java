package org.icm4j.internal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.RandomAccessFile;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.icm4j.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run refused while the holder has taken the lock but not yet written its process id into the
 * lock file names the holder all the same (under load, {@code CheckpointLockTest}'s two processes
 * started together met this window and the refusal said "another process").
 */
class CheckpointLockHolderTest {
  @TempDir Path dir;

  @Test
  void aRefusal_waitsForTheProcessIdTheHolderWritesJustAfterTakingTheLock() throws Exception {
    Path checkpoint = dir.resolve("run.ckpt");
    Path lockFile = CheckpointLock.lockFile(checkpoint);
    try (RandomAccessFile raf = new RandomAccessFile(lockFile.toFile(), "rw");
        FileLock held = raf.getChannel().lock()) {
      // the holder took the lock; its process id follows 200 ms later
      Thread writer =
          new Thread(
              () -> {
                try {
                  Thread.sleep(200);
                  Files.writeString(lockFile, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      writer.start();
      CheckpointException e = catchThrowableOfType(CheckpointException.class, () -> CheckpointLock.acquire(checkpoint));
      writer.join();
      assertThat(held.isValid()).isTrue();
      assertThat(e).hasMessageContaining("is in use by another run (a run in this JVM holds " + lockFile + ")");
    }
  }

  @Test
  void aLockFileThatStaysEmpty_isReportedAsAnotherProcess_afterAShortWait() throws Exception {
    Path checkpoint = dir.resolve("run.ckpt");
    Path lockFile = CheckpointLock.lockFile(checkpoint);
    try (RandomAccessFile raf = new RandomAccessFile(lockFile.toFile(), "rw");
        FileLock held = raf.getChannel().lock()) {
      long start = System.nanoTime();
      CheckpointException e = catchThrowableOfType(CheckpointException.class, () -> CheckpointLock.acquire(checkpoint));
      long waitedMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(e).hasMessageContaining("is in use by another run (another process holds " + lockFile + ")");
      assertThat(waitedMillis).isBetween(CheckpointLock.HOLDER_WAIT_MILLIS, 10 * CheckpointLock.HOLDER_WAIT_MILLIS);
      assertThat(held.isValid()).isTrue();
    }
  }
}
