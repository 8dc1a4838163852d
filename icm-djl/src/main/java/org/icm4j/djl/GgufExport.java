package org.icm4j.djl;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link BlockLm} as a GGUF file (version 3, all tensors float32) that llama.cpp loads
 * as a GPT-2-architecture model, so that llama.cpp's {@code llama-server} can serve a model
 * trained or fine-tuned with icm4j. Stateless and thread-safe.
 *
 * <pre>{@code
 * try (BlockLm lm = BlockLm.load(dir, Device.cpu())) {
 *   GgufExport.write(lm, GgufVocabulary.words(world.vocabulary(), 0), "world-model", Path.of("world.gguf"));
 * }
 * // llama-server -m world.gguf --host 127.0.0.1 -fa off -ctk f32 -ctv f32
 * }</pre>
 *
 * <p>Layout: {@code general.architecture = gpt2}; {@code gpt2.context_length}, {@code
 * .embedding_length}, {@code .block_count}, {@code .feed_forward_length}, {@code
 * .attention.head_count}, {@code .attention.layer_norm_epsilon}; the {@link GgufVocabulary} as
 * {@code tokenizer.ggml.*}; tensors {@code token_embd}, {@code position_embd}, {@code
 * blk.N.{attn_norm, attn_qkv, attn_output, ffn_norm, ffn_up, ffn_down}.{weight, bias}} and {@code
 * output_norm.{weight, bias}}, weights stored {@code [out][in]} (ggml's first dimension is the
 * row length). There is no {@code output} tensor: llama.cpp then ties the output head to {@code
 * token_embd}, as {@link GptBlock} does. The numbers the server computes then equal {@link
 * DjlScorer}'s up to float rounding and ggml's GELU, which is GPT-2's tanh form read from an fp16
 * table (about 1e-2 in label log-probabilities; see docs/remote.md).
 */
public final class GgufExport {

  /** GGUF's default alignment of tensor data. */
  static final int ALIGNMENT = 32;

  static final int TYPE_UINT32 = 4;
  static final int TYPE_INT32 = 5;
  static final int TYPE_FLOAT32 = 6;
  static final int TYPE_BOOL = 7;
  static final int TYPE_STRING = 8;
  static final int TYPE_ARRAY = 9;
  static final int GGML_TYPE_F32 = 0;

  private static final float LAYER_NORM_EPSILON = 1e-5f;

  private GgufExport() {}

  /**
   * Writes {@code lm} with {@code vocabulary} to {@code file} (through a temporary file moved into
   * place, so a failed export leaves no half-written file).
   *
   * @param lm the model
   * @param vocabulary its tokenizer; must have {@code lm.vocabularySize()} tokens
   * @param name {@code general.name}, e.g. the model's directory name
   * @param file the GGUF file to write
   * @throws IllegalArgumentException when the vocabulary size differs from the model's
   * @throws UncheckedIOException naming the file when it cannot be written
   */
  public static void write(BlockLm lm, GgufVocabulary vocabulary, String name, Path file) {
    requireNonNull(lm, "lm");
    requireNonNull(vocabulary, "vocabulary");
    requireNonNull(name, "name");
    requireNonNull(file, "file");
    GptConfig c = lm.config();
    if (vocabulary.size() != c.vocabularySize()) {
      throw new IllegalArgumentException(
          "the vocabulary has " + vocabulary.size() + " tokens but the model " + c.vocabularySize()
              + ": give the vocabulary the model was trained with");
    }
    List<Tensor> tensors = tensors(lm);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        Writer w = new Writer(out);
        w.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        w.u32(3);
        w.u64(tensors.size());
        List<Runnable> kvs = new ArrayList<>();
        kvs.add(() -> w.kvString("general.architecture", "gpt2"));
        kvs.add(() -> w.kvString("general.name", name));
        kvs.add(() -> w.kvU32("general.file_type", 0)); // all float32
        kvs.add(() -> w.kvU32("general.alignment", ALIGNMENT));
        kvs.add(() -> w.kvU32("gpt2.context_length", c.maxLength()));
        kvs.add(() -> w.kvU32("gpt2.embedding_length", c.embedding()));
        kvs.add(() -> w.kvU32("gpt2.block_count", c.layers()));
        kvs.add(() -> w.kvU32("gpt2.feed_forward_length", c.mlpHidden()));
        kvs.add(() -> w.kvU32("gpt2.attention.head_count", c.heads()));
        kvs.add(() -> w.kvF32("gpt2.attention.layer_norm_epsilon", LAYER_NORM_EPSILON));
        kvs.add(() -> w.kvString("tokenizer.ggml.model", vocabulary.model()));
        kvs.add(() -> w.kvString("tokenizer.ggml.pre", vocabulary.preTokenizer()));
        kvs.add(() -> w.kvStrings("tokenizer.ggml.tokens", vocabulary.tokens()));
        kvs.add(() -> w.kvInts("tokenizer.ggml.token_type", vocabulary.tokenTypes()));
        kvs.add(() -> w.kvStrings("tokenizer.ggml.merges", vocabulary.merges()));
        kvs.add(() -> w.kvU32("tokenizer.ggml.bos_token_id", vocabulary.bosId()));
        kvs.add(() -> w.kvU32("tokenizer.ggml.eos_token_id", vocabulary.eosId()));
        kvs.add(() -> w.kvBool("tokenizer.ggml.add_bos_token", false));
        kvs.add(() -> w.kvBool("tokenizer.ggml.add_eos_token", false));
        w.u64(kvs.size());
        kvs.forEach(Runnable::run);
        long offset = 0;
        for (Tensor t : tensors) {
          w.string(t.name);
          w.u32(t.dims.length);
          for (long d : t.dims) {
            w.u64(d);
          }
          w.u32(GGML_TYPE_F32);
          w.u64(offset);
          offset = align(offset + 4L * t.data.length);
        }
        w.pad();
        for (Tensor t : tensors) {
          w.floats(t.data);
          w.pad();
        }
      }
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | UncheckedIOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the original failure is the one to report
      }
      IOException cause =
          e instanceof UncheckedIOException u ? requireNonNull(u.getCause(), "cause") : (IOException) e;
      throw new UncheckedIOException("cannot write GGUF file " + file + ": " + cause.getMessage(), cause);
    }
  }

  static long align(long n) {
    return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  /** One tensor: GGUF name, ggml dims (row length first) and row-major float data. */
  private record Tensor(String name, long[] dims, float[] data) {}

  private static List<Tensor> tensors(BlockLm lm) {
    GptConfig c = lm.config();
    Map<String, float[]> p = new HashMap<>();
    for (Pair<String, Parameter> e : lm.block().getParameters()) {
      NDArray a = e.getValue().getArray();
      p.put(e.getKey(), a.toFloatArray());
    }
    long d = c.embedding();
    long h = c.mlpHidden();
    List<Tensor> out = new ArrayList<>();
    out.add(new Tensor("token_embd.weight", new long[] {d, c.vocabularySize()}, get(p, "token_embedding")));
    out.add(new Tensor("position_embd.weight", new long[] {d, c.maxLength()}, get(p, "position_embedding")));
    for (int l = 0; l < c.layers(); l++) {
      String src = "layer" + l + "_";
      String dst = "blk." + l + ".";
      out.add(new Tensor(dst + "attn_norm.weight", new long[] {d}, get(p, src + "ln1_gamma")));
      out.add(new Tensor(dst + "attn_norm.bias", new long[] {d}, get(p, src + "ln1_beta")));
      out.add(new Tensor(dst + "attn_qkv.weight", new long[] {d, 3 * d}, get(p, src + "attention_qkv_weight")));
      out.add(new Tensor(dst + "attn_qkv.bias", new long[] {3 * d}, get(p, src + "attention_qkv_bias")));
      out.add(new Tensor(dst + "attn_output.weight", new long[] {d, d}, get(p, src + "attention_out_weight")));
      out.add(new Tensor(dst + "attn_output.bias", new long[] {d}, get(p, src + "attention_out_bias")));
      out.add(new Tensor(dst + "ffn_norm.weight", new long[] {d}, get(p, src + "ln2_gamma")));
      out.add(new Tensor(dst + "ffn_norm.bias", new long[] {d}, get(p, src + "ln2_beta")));
      out.add(new Tensor(dst + "ffn_up.weight", new long[] {d, h}, get(p, src + "mlp_in_weight")));
      out.add(new Tensor(dst + "ffn_up.bias", new long[] {h}, get(p, src + "mlp_in_bias")));
      out.add(new Tensor(dst + "ffn_down.weight", new long[] {h, d}, get(p, src + "mlp_out_weight")));
      out.add(new Tensor(dst + "ffn_down.bias", new long[] {d}, get(p, src + "mlp_out_bias")));
    }
    out.add(new Tensor("output_norm.weight", new long[] {d}, get(p, "final_ln_gamma")));
    out.add(new Tensor("output_norm.bias", new long[] {d}, get(p, "final_ln_beta")));
    for (Tensor t : out) {
      long n = 1;
      for (long x : t.dims) {
        n *= x;
      }
      if (n != t.data.length) {
        throw new IllegalStateException(
            "parameter for " + t.name + " has " + t.data.length + " values, expected " + n);
      }
    }
    return out;
  }

  private static float[] get(Map<String, float[]> parameters, String name) {
    float[] v = parameters.get(name);
    if (v == null) {
      throw new IllegalStateException(
          "the GptBlock has no parameter '" + name + "' (it has " + parameters.keySet() + ")");
    }
    return v;
  }

  /** Little-endian GGUF primitives over a stream, counting bytes for the alignment padding. */
  private static final class Writer {
    private final OutputStream out;
    private final ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    private long written;

    Writer(OutputStream out) {
      this.out = out;
    }

    void bytes(byte[] b) {
      try {
        out.write(b);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      written += b.length;
    }

    void u32(long v) {
      buf.clear();
      buf.putInt((int) v);
      bytes(java.util.Arrays.copyOf(buf.array(), 4));
    }

    void u64(long v) {
      buf.clear();
      buf.putLong(v);
      bytes(java.util.Arrays.copyOf(buf.array(), 8));
    }

    void string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      u64(b.length);
      bytes(b);
    }

    void key(String k, int type) {
      string(k);
      u32(type);
    }

    void kvString(String k, String v) {
      key(k, TYPE_STRING);
      string(v);
    }

    void kvU32(String k, int v) {
      key(k, TYPE_UINT32);
      u32(v);
    }

    void kvF32(String k, float v) {
      key(k, TYPE_FLOAT32);
      u32(Float.floatToIntBits(v));
    }

    void kvBool(String k, boolean v) {
      key(k, TYPE_BOOL);
      bytes(new byte[] {(byte) (v ? 1 : 0)});
    }

    void kvStrings(String k, List<String> v) {
      key(k, TYPE_ARRAY);
      u32(TYPE_STRING);
      u64(v.size());
      v.forEach(this::string);
    }

    void kvInts(String k, List<Integer> v) {
      key(k, TYPE_ARRAY);
      u32(TYPE_INT32);
      u64(v.size());
      v.forEach(this::u32);
    }

    void floats(float[] data) {
      ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(data);
      bytes(b.array());
    }

    void pad() {
      int n = (int) (align(written) - written);
      if (n > 0) {
        bytes(new byte[n]);
      }
    }
  }
}
