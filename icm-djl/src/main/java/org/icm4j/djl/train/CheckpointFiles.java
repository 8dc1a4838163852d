package org.icm4j.djl.train;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import java.util.zip.CRC32;
import org.icm4j.IcmException;

/**
 * The files of a {@link LmTrainer} checkpoint directory other than the model and the optimizer:
 * the state properties (step, seed, batch settings, CRC-32 of the parameters, written last), the
 * log, and atomic replacement. Stateless and thread-safe.
 */
final class CheckpointFiles {
  private CheckpointFiles() {}

  /** Writes the state file atomically. */
  static void writeState(Path dir, String fileName, Properties state, String comment) {
    Path file = dir.resolve(fileName);
    Path tmp = dir.resolve(fileName + ".tmp");
    try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      state.store(out, comment);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    move(tmp, file);
  }

  /** Reads the state file. */
  static Properties readState(Path dir, String fileName) {
    Path file = dir.resolve(fileName);
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (NoSuchFileException e) {
      throw new IcmException("no checkpoint in " + dir + " (" + fileName + " is missing)", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return p;
  }

  /** A property of the state file, trimmed; fails naming the file when absent. */
  static String property(Properties p, String name, Path dir, String fileName) {
    String value = p.getProperty(name);
    if (value == null) {
      throw new IcmException(dir.resolve(fileName) + " has no " + name);
    }
    return value.trim();
  }

  /** Appends one line to a log file. */
  static void appendLine(Path file, String line) {
    try {
      Files.writeString(
          file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The CRC-32 of a file's bytes. */
  static long crc32(Path file) {
    CRC32 crc = new CRC32();
    try (var in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        crc.update(buffer, 0, n);
      }
    } catch (NoSuchFileException e) {
      throw new IcmException("no " + file.getFileName() + " in " + file.getParent(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return crc.getValue();
  }

  /** Writes content to an output stream; may fail. */
  @FunctionalInterface
  interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Writes a file whole, so that a process killed at any moment (or a write that fails) leaves the
   * old file or the new one, never a half-written one: the content goes to a temporary file in the
   * same directory ({@code <name>.<digits>.tmp}), which is forced to disk, moved over the file with
   * {@code ATOMIC_MOVE} ({@code REPLACE_EXISTING} where the file system cannot move atomically),
   * and the directory is forced. A failed write deletes its temporary file.
   *
   * @throws UncheckedIOException naming the file when it cannot be written
   */
  static void writeAtomically(Path file, Content content) {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null) {
      throw new IllegalArgumentException("cannot write " + file + ": it is a root, not a file in a directory");
    }
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
      try (FileOutputStream fos = new FileOutputStream(tmp.toFile());
          OutputStream out = new BufferedOutputStream(fos, 1 << 16)) {
        content.writeTo(out);
        out.flush();
        fos.getFD().sync();
      }
      move(tmp, file);
      tmp = null;
      forceDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the temporary file of a failed write: nothing more to do
        }
      }
    }
  }

  /** Forces a directory's entries to disk where the platform can open a directory (not Windows). */
  static void forceDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // the file system cannot force a directory: the move is all it offers
    }
  }

  /** Moves {@code from} over {@code to}, atomically where the file system can. */
  static void move(Path from, Path to) {
    try {
      try {
        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + to, e);
    }
  }
}
