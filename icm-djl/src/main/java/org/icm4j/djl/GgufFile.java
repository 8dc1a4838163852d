package org.icm4j.djl;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.IcmException;

/**
 * A GGUF file read back: its metadata and its float32 tensors, e.g. to check what {@link
 * GgufExport} wrote or to inspect a file before serving it. Reads the whole file into memory
 * (meant for small models). Immutable and thread-safe.
 *
 * <p>Metadata values are {@code Long} (integers of any width), {@code Float}/{@code Double},
 * {@code Boolean}, {@code String}, or a {@code List} of those.
 */
public final class GgufFile {

  /**
   * One tensor's entry in the file.
   *
   * @param name the tensor name
   * @param dims ggml dimensions, row length first (copied)
   * @param type the ggml type (0 = float32)
   * @param offset byte offset of its data from the start of the data section
   */
  public record TensorInfo(String name, List<Long> dims, int type, long offset) {
    /**
     * Copies the dimensions.
     *
     * @param name the tensor name
     * @param dims ggml dimensions, row length first (copied)
     * @param type the ggml type (0 = float32)
     * @param offset byte offset of its data from the start of the data section
     */
    public TensorInfo {
      requireNonNull(name, "name");
      dims = List.copyOf(dims);
    }

    /**
     * Number of elements.
     *
     * @return number of elements
     */
    public long elements() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }
  }

  private final Path file;
  private final int version;
  private final Map<String, Object> metadata;
  private final Map<String, TensorInfo> tensors;
  private final ByteBuffer data;

  private GgufFile(Path file, int version, Map<String, Object> metadata, Map<String, TensorInfo> tensors, ByteBuffer data) {
    this.file = file;
    this.version = version;
    this.metadata = Collections.unmodifiableMap(metadata);
    this.tensors = Collections.unmodifiableMap(tensors);
    this.data = data;
  }

  /**
   * Reads a GGUF file.
   *
   * @throws IcmException naming the file when it is not GGUF or is cut short
   * @throws UncheckedIOException when it cannot be read
   *
   * @param file the file
   * @return the file, read
   */
  public static GgufFile read(Path file) {
    requireNonNull(file, "file");
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    try {
      byte[] magic = new byte[4];
      b.get(magic);
      if (!"GGUF".equals(new String(magic, StandardCharsets.US_ASCII))) {
        throw new IcmException(file + " is not a GGUF file (it does not start with \"GGUF\")");
      }
      int version = b.getInt();
      long tensorCount = b.getLong();
      long kvCount = b.getLong();
      Map<String, Object> metadata = new LinkedHashMap<>();
      for (long i = 0; i < kvCount; i++) {
        String key = string(b);
        metadata.put(key, value(b, b.getInt(), file));
      }
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      for (long i = 0; i < tensorCount; i++) {
        String name = string(b);
        int n = b.getInt();
        List<Long> dims = new ArrayList<>(n);
        for (int d = 0; d < n; d++) {
          dims.add(b.getLong());
        }
        tensors.put(name, new TensorInfo(name, dims, b.getInt(), b.getLong()));
      }
      Object alignment = metadata.getOrDefault("general.alignment", (long) GgufExport.ALIGNMENT);
      long align = ((Number) alignment).longValue();
      long start = (b.position() + align - 1) / align * align;
      ByteBuffer data = ByteBuffer.wrap(bytes, (int) start, bytes.length - (int) start).slice()
          .order(ByteOrder.LITTLE_ENDIAN);
      for (TensorInfo t : tensors.values()) {
        if (t.type() == GgufExport.GGML_TYPE_F32 && t.offset() + 4 * t.elements() > data.capacity()) {
          throw new IcmException(
              file + " is cut short: tensor " + t.name() + " ends at byte " + (t.offset() + 4 * t.elements())
                  + " of a data section of " + data.capacity());
        }
      }
      return new GgufFile(file, version, metadata, tensors, data);
    } catch (BufferUnderflowException | IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new IcmException(file + " is cut short or malformed at byte " + b.position(), e);
    }
  }

  private static String string(ByteBuffer b) {
    long n = b.getLong();
    if (n < 0 || n > b.remaining()) {
      throw new IllegalArgumentException("string of " + n + " bytes");
    }
    byte[] s = new byte[(int) n];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }

  private static Object value(ByteBuffer b, int type, Path file) {
    switch (type) {
      case 0: return (long) Byte.toUnsignedInt(b.get());
      case 1: return (long) b.get();
      case 2: return (long) Short.toUnsignedInt(b.getShort());
      case 3: return (long) b.getShort();
      case 4: return Integer.toUnsignedLong(b.getInt());
      case 5: return (long) b.getInt();
      case 6: return b.getFloat();
      case 7: return b.get() != 0;
      case 8: return string(b);
      case 9: {
        int elementType = b.getInt();
        long n = b.getLong();
        if (n < 0 || n > b.remaining()) {
          throw new IllegalArgumentException("array of " + n + " elements");
        }
        List<Object> list = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
          list.add(value(b, elementType, file));
        }
        return Collections.unmodifiableList(list);
      }
      case 10: return b.getLong();
      case 11: return b.getLong();
      case 12: return b.getDouble();
      default:
        throw new IcmException(file + " has a metadata value of unknown type " + type);
    }
  }

  /**
   * The GGUF version (3 for files {@link GgufExport} writes).
   *
   * @return the GGUF version (3 for files {@link GgufExport} writes)
   */
  public int version() {
    return version;
  }

  /**
   * All metadata, in file order (unmodifiable).
   *
   * @return all metadata, in file order (unmodifiable)
   */
  public Map<String, Object> metadata() {
    return metadata;
  }

  /**
   * All tensor entries by name, in file order (unmodifiable).
   *
   * @return all tensor entries by name, in file order (unmodifiable)
   */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /**
   * The data of a float32 tensor, row-major in ggml order (a weight {@code [out][in]} with {@code
   * dims = [in, out]}).
   *
   * @throws IcmException when there is no such tensor or it is not float32
   *
   * @param name the tensor name, as in the file
   * @return the data of a float32 tensor, row-major in ggml order (a weight {@code [out][in]} with
   *     {@code dims = [in, out]})
   */
  public float[] floats(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new IcmException(file + " has no tensor '" + name + "' (it has " + tensors.keySet() + ")");
    }
    if (t.type() != GgufExport.GGML_TYPE_F32) {
      throw new IcmException("tensor '" + name + "' of " + file + " has ggml type " + t.type() + ", not float32");
    }
    float[] out = new float[(int) t.elements()];
    ByteBuffer view = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    view.position((int) t.offset());
    view.asFloatBuffer().get(out);
    return out;
  }

  @Override
  public String toString() {
    return "GgufFile(" + file + ", version " + version + ", " + metadata.size() + " keys, "
        + tensors.size() + " tensors)";
  }
}
