package org.icm4j.djl.train;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
