package org.icm4j.spi;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Digests that identify a model for {@link LabelScorer#identity()}: 32 hex digits of a SHA-256.
 * icm-djl's and icm-onnx's scorers use them. Stateless and thread-safe.
 */
public final class ModelDigest {
  /** How much of each end of a file {@link #ofFiles} reads. */
  public static final int EDGE = 1 << 20;

  private ModelDigest() {}

  /**
   * A fast digest of files, in order: each file's size, its first MiB and its last MiB (the whole
   * file when it is 2 MiB or smaller). Two files that differ in size or in either end differ here;
   * reading 2 MiB per file keeps it fast for a model of gigabytes. Names and directories do not
   * enter it: the same files elsewhere give the same digest.
   *
   * @param files the files
   * @return 32 hex digits
   * @throws UncheckedIOException naming the file that cannot be read
   */
  public static String ofFiles(List<Path> files) {
    MessageDigest sha = sha256();
    for (Path file : files) {
      try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
        long size = in.size();
        sha.update(ByteBuffer.allocate(Long.BYTES).putLong(size).flip());
        if (size <= 2L * EDGE) {
          read(in, 0, size, sha);
        } else {
          read(in, 0, EDGE, sha);
          read(in, size - EDGE, EDGE, sha);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + " to identify the model", e);
      }
    }
    return hex(sha);
  }

  /**
   * A digest of what {@code writer} writes (a model's parameters, say), read in full.
   *
   * @param writer writes the bytes to identify
   * @return 32 hex digits
   */
  public static String ofBytes(Writer writer) {
    MessageDigest sha = sha256();
    try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), sha)) {
      writer.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot digest the model's parameters", e);
    }
    return hex(sha);
  }

  /** Writes bytes to a stream. */
  @FunctionalInterface
  public interface Writer {
    /**
     * Writes the bytes to identify.
     *
     * @param out where they go
     * @throws IOException when they cannot be written
     */
    void write(OutputStream out) throws IOException;
  }

  private static void read(FileChannel in, long from, long length, MessageDigest sha) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(length, 1 << 16));
    long at = from;
    long end = from + length;
    while (at < end) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), end - at));
      int n = in.read(buffer, at);
      if (n < 0) {
        throw new IOException("the file ended at byte " + at + " while being read");
      }
      at += n;
      sha.update(buffer.flip());
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static String hex(MessageDigest sha) {
    return HexFormat.of().formatHex(sha.digest(), 0, 16);
  }
}
