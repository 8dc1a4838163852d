package org.icm4j.internal.checkpoint;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.icm4j.CheckpointException;

/**
 * The lock that keeps one run at a time on a checkpoint: an exclusive {@link FileLock} on the
 * sibling file {@code <checkpoint>.lock}, taken with {@link FileChannel#tryLock()} when the run
 * opens the checkpoint and held until it closes it. A second run on the same checkpoint, in this
 * JVM or another process, is refused at once with a {@link CheckpointException} that names the
 * holder's process id (written into the lock file) and what to do.
 *
 * <p>The operating system releases the lock when its holder's process ends, however it ends
 * ({@code kill -9}, a crash, a power loss): a run after a crash takes the lock at once. The lock
 * file itself stays (deleting it while another process opens it would let two runs lock two
 * different files); it holds only the last holder's process id. Locks are advisory: only icm4j
 * runs honour them, and on a network file system they are as reliable as its locking.
 *
 * <p>A {@link FileChannel} is closed, and its lock released, by an interrupt of a thread in one of
 * its operations: the thread's interrupt flag is put aside while the lock is taken, and the
 * channel is not used again until it is closed. Not thread-safe: one per store, which is
 * synchronized.
 */
final class CheckpointLock implements AutoCloseable {
  private final RandomAccessFile file;
  private final FileLock lock;

  private CheckpointLock(RandomAccessFile file, FileLock lock) {
    this.file = file;
    this.lock = lock;
  }

  /** The lock file of a checkpoint: {@code <checkpoint>.lock} in the same directory. */
  static Path lockFile(Path checkpoint) {
    return checkpoint.resolveSibling(checkpoint.getFileName() + ".lock");
  }

  /**
   * Takes the lock of a checkpoint, creating its directory and lock file if needed.
   *
   * @throws CheckpointException when another run holds it, or the lock file cannot be written
   */
  static CheckpointLock acquire(Path checkpoint) {
    Path path = lockFile(checkpoint);
    boolean interrupted = Thread.interrupted();
    RandomAccessFile raf = null;
    try {
      Path dir = path.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      raf = new RandomAccessFile(path.toFile(), "rw");
      FileChannel channel = raf.getChannel();
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by another run in this JVM
      }
      if (lock == null) {
        String holder = holder(path);
        raf.close();
        throw new CheckpointException(
            "checkpoint " + checkpoint + " is in use by another run (" + holder + " holds " + path
                + "): two runs on one checkpoint would overwrite each other's state; wait for that"
                + " run to end, or give this run another checkpoint file",
            null);
      }
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      return new CheckpointLock(raf, lock);
    } catch (IOException e) {
      if (raf != null) {
        try {
          raf.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw new CheckpointException(
          "cannot lock checkpoint " + checkpoint + " with " + path + ": " + e
              + " (check the directory exists and is writable)",
          e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** How long a refused run waits for the holder's process id (written just after its lock). */
  static final long HOLDER_WAIT_MILLIS = 1000;

  /**
   * Who holds the lock, as the lock file says: "process 1234", or "a run in this JVM". The holder
   * writes its process id (a line) just after it takes the lock, so a run refused in between
   * waits for the line, up to {@link #HOLDER_WAIT_MILLIS}, before it says "another process".
   */
  private static String holder(Path path) {
    long deadline = System.nanoTime() + HOLDER_WAIT_MILLIS * 1_000_000;
    String line = "";
    try {
      while (true) {
        String content = Files.readString(path, StandardCharsets.US_ASCII);
        if (content.endsWith("\n") || System.nanoTime() > deadline) {
          line = content.strip();
          break;
        }
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      return "another process";
    }
    if (line.equals(Long.toString(ProcessHandle.current().pid()))) {
      return "a run in this JVM";
    }
    return line.isEmpty() ? "another process" : "process " + line;
  }

  /** Releases the lock; the lock file stays. */
  @Override
  public void close() {
    boolean interrupted = Thread.interrupted();
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } catch (IOException ignored) {
      // closing the file below releases it all the same
    } finally {
      try {
        file.close();
      } catch (IOException ignored) {
        // nothing was written since the lock was taken
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
