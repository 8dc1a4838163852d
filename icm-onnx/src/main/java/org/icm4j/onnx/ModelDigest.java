package org.icm4j.onnx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The digest that identifies a model's files for {@link OnnxScorer#identity()}: 32 hex digits of
 * a SHA-256, computed as icm-djl's digest of a TorchScript file (the same files give the same
 * digest in both). Stateless and thread-safe.
 */
final class ModelDigest {
  /** How much of each end of a file {@link #ofFiles} reads. */
  static final int EDGE = 1 << 20;

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
  static String ofFiles(List<Path> files) {
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
   * The model file and its external data files, in name order: the files next to it named {@code
   * <model file name>_data...} or {@code <model file name>.data...} (Optimum writes {@code
   * model.onnx_data} for a model over 2 GB).
   *
   * @param model the {@code .onnx} file
   * @return the model file first, then its data files
   * @throws UncheckedIOException when the directory cannot be listed
   */
  static List<Path> withExternalData(Path model) {
    List<Path> files = new java.util.ArrayList<>();
    files.add(model);
    Path dir = model.toAbsolutePath().getParent();
    String name = model.getFileName().toString();
    if (dir == null) {
      return files;
    }
    try (java.util.stream.Stream<Path> siblings = java.nio.file.Files.list(dir)) {
      siblings
          .filter(p -> {
            String n = p.getFileName().toString();
            return (n.startsWith(name + "_data") || n.startsWith(name + ".data"))
                && java.nio.file.Files.isRegularFile(p);
          })
          .sorted()
          .forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + " to identify the model", e);
    }
    return files;
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
