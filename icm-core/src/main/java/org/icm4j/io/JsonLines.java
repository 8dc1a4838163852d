package org.icm4j.io;

import static com.google.common.base.Preconditions.checkArgument;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;

/**
 * Lines in and out: splits a UTF-8 file or a reader into numbered lines (strict UTF-8, a leading
 * byte order mark and {@code '\r'} line ends dropped), and writes lines to a file atomically.
 * Knows nothing of JSON. Stateless and thread-safe.
 */
final class JsonLines {
  private JsonLines() {}

  /** Receives one line of input: its 1-based number (blank lines count) and its text. */
  @FunctionalInterface
  interface LineHandler {
    void accept(int line, String text);
  }

  /** Splits a UTF-8 file into lines, decoding each strictly so a bad byte names its line. */
  static void forEachLine(Path path, LineHandler handler) {
    String source = path.toString();
    CharsetDecoder decoder =
        UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try (InputStream in = Files.newInputStream(path)) {
      byte[] chunk = new byte[8192];
      ByteArrayOutputStream current = new ByteArrayOutputStream();
      int line = 0;
      int n;
      while ((n = in.read(chunk)) != -1) {
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (chunk[i] == '\n') {
            current.write(chunk, start, i - start);
            line++;
            handler.accept(line, decode(current.toByteArray(), decoder, source, line));
            current.reset();
            start = i + 1;
          }
        }
        current.write(chunk, start, n - start);
      }
      if (current.size() > 0) {
        line++;
        handler.accept(line, decode(current.toByteArray(), decoder, source, line));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + path + ": " + e, e);
    }
  }

  private static String decode(byte[] bytes, CharsetDecoder decoder, String source, int line) {
    int from = 0;
    int to = bytes.length;
    if (line == 1
        && to >= 3
        && bytes[0] == (byte) 0xEF
        && bytes[1] == (byte) 0xBB
        && bytes[2] == (byte) 0xBF) {
      from = 3;
    }
    if (to > from && bytes[to - 1] == '\r') {
      to--;
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes, from, to - from);
    try {
      return decoder.reset().decode(buffer).toString();
    } catch (CharacterCodingException e) {
      throw new MalformedInputException(
          source,
          line,
          "not valid UTF-8 at byte "
              + (buffer.position() - from + 1)
              + " of the line — save the file as UTF-8",
          null,
          e);
    }
  }

  /** Splits text into lines at {@code '\n'} (dropping a {@code '\r'} before it). */
  static void forEachLine(Reader reader, String source, LineHandler handler) {
    try {
      char[] chunk = new char[8192];
      StringBuilder current = new StringBuilder();
      int line = 0;
      int n;
      while ((n = reader.read(chunk)) != -1) {
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (chunk[i] == '\n') {
            current.append(chunk, start, i - start);
            line++;
            handler.accept(line, stripLine(current, line));
            current.setLength(0);
            start = i + 1;
          }
        }
        current.append(chunk, start, n - start);
      }
      if (current.length() > 0) {
        line++;
        handler.accept(line, stripLine(current, line));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + source + ": " + e, e);
    }
  }

  private static String stripLine(StringBuilder text, int line) {
    int from = line == 1 && text.length() > 0 && text.charAt(0) == '\uFEFF' ? 1 : 0;
    int to = text.length();
    if (to > from && text.charAt(to - 1) == '\r') {
      to--;
    }
    return text.substring(from, to);
  }

  /**
   * Writes lines atomically: a temporary file in the target's directory (created with the default
   * permissions, like the target would be), forced to disk, then moved over the target.
   */
  static void writeLines(Path path, List<String> lines) {
    Path target = path.toAbsolutePath();
    Path dir = target.getParent();
    Path fileName = target.getFileName();
    checkArgument(dir != null && fileName != null, "cannot write to '%s': not a file path", path);
    Path tmp = dir.resolve("." + fileName + "." + UUID.randomUUID() + ".tmp");
    boolean moved = false;
    try {
      try (FileChannel channel =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        Writer out =
            new BufferedWriter(
                new OutputStreamWriter(
                    Channels.newOutputStream(channel),
                    UTF_8
                        .newEncoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)));
        for (String line : lines) {
          out.write(line);
          out.write('\n');
        }
        out.flush();
        channel.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + path + ": " + e, e);
    } finally {
      if (!moved) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException suppressed) {
          // Best effort: the original failure is the one to report.
        }
      }
    }
  }
}
