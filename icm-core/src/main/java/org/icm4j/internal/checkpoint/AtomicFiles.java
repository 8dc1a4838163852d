package org.icm4j.internal.checkpoint;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.regex.Pattern;
import org.icm4j.CheckpointException;

/**
 * The file operations both checkpoint files need: a whole file written atomically, a directory
 * forced to disk, and the temporary files a crashed write left removed. Stateless.
 */
final class AtomicFiles {
  private AtomicFiles() {}

  private static final System.Logger LOG = System.getLogger(CheckpointStore.class.getName());

  /**
   * Writes a file whole: the bytes go to a temporary file in its directory ({@code
   * <name>.<digits>.tmp}), which is forced to disk and moved over the file with {@code
   * ATOMIC_MOVE} ({@code REPLACE_EXISTING} where the file system cannot), and the directory is
   * forced. A reader, or a process killed at any moment, sees the old file or the new one.
   *
   * @throws CheckpointException naming the file when it cannot be written
   */
  static void write(Path file, byte[] bytes) {
    Path dir = parent(file);
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
      try (FileOutputStream o = new FileOutputStream(tmp.toFile())) {
        o.write(bytes);
        o.getFD().sync();
      }
      replace(tmp, file, dir);
      tmp = null;
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw new CheckpointException(
          "cannot write " + file + ": " + e + " (check the directory exists and is writable)", e);
    }
  }

  /**
   * Moves a finished temporary file over {@code file} with {@code ATOMIC_MOVE} ({@code
   * REPLACE_EXISTING} where the file system cannot), then forces the directory {@code dir}.
   *
   * @param tmp the temporary file, forced to disk, in {@code dir}
   * @param file the file it replaces
   * @param dir their directory
   * @throws IOException when the move or the directory's force fails
   */
  static void replace(Path tmp, Path file, Path dir) throws IOException {
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    forceDirectory(dir);
  }

  /**
   * Deletes the regular files next to {@code file} named {@code file}'s name followed by {@code
   * suffix} (a regular expression): the temporary files an interrupted atomic write left. A failure
   * to list or delete is logged, not thrown.
   *
   * @param what the file, for the log
   */
  static void removeStaleTemporaries(Path file, String suffix, String what) {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      return;
    }
    Pattern stale = Pattern.compile(Pattern.quote(file.getFileName().toString()) + suffix);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (stale.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot remove stale temporary files of " + what + ": " + e);
    }
  }

  /**
   * Forces a directory entry to disk where the platform allows opening a directory (not Windows).
   * A channel is closed by an interrupt, so the thread's interrupt flag is put aside meanwhile.
   */
  static void forceDirectory(Path dir) {
    boolean interrupted = Thread.interrupted();
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // the file system cannot force a directory (or an interrupt came meanwhile): the move is
      // all it offers
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The directory of a file (an absolute path other than a root has one). */
  static Path parent(Path file) {
    return Objects.requireNonNull(file.toAbsolutePath().getParent(), () -> file + " has no directory");
  }
}
