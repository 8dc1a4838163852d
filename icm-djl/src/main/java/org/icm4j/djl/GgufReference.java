package org.icm4j.djl;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.icm4j.IcmException;

/**
 * A slow, plain-Java forward pass of a GPT-2-architecture GGUF file as {@link GgufExport} writes
 * it (float32 tensors, output head tied to {@code token_embd}): a reference to check a file, or a
 * server's numbers, against. Immutable and thread-safe.
 *
 * <p>{@link Gelu#ERF} is the exact GELU that {@link GptBlock} (PyTorch) computes; {@link
 * Gelu#GGML} is what ggml's CPU backend computes: GPT-2's tanh form, read from a table indexed by
 * the input rounded to fp16, whose entries are rounded to fp16 (inputs beyond +-10 pass through
 * or give 0). Against llama.cpp, use {@code GGML}; against {@link DjlScorer}, {@code ERF}.
 */
public final class GgufReference {

  /** Which GELU the MLP applies. */
  public enum Gelu {
    /** {@code 0.5 x (1 + erf(x / sqrt 2))}, as PyTorch and {@link GptBlock}. */
    ERF,
    /** GPT-2's {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, in float. */
    TANH,
    /** The tanh form through ggml's fp16 table, as llama.cpp's CPU backend. */
    GGML
  }

  private static final float[] GGML_GELU_TABLE = ggmlGeluTable();

  private final int vocab;
  private final int context;
  private final int d;
  private final int heads;
  private final int hidden;
  private final int layers;
  private final float eps;
  private final Gelu gelu;
  private final float[] tokenEmbd;
  private final float[] posEmbd;
  private final float[][][] layer; // per layer: 12 tensors in the order of NAMES
  private final float[] outNormW;
  private final float[] outNormB;

  private static final List<String> NAMES = List.of(
      "attn_norm.weight", "attn_norm.bias", "attn_qkv.weight", "attn_qkv.bias",
      "attn_output.weight", "attn_output.bias", "ffn_norm.weight", "ffn_norm.bias",
      "ffn_up.weight", "ffn_up.bias", "ffn_down.weight", "ffn_down.bias");

  /**
   * A reference over a file's tensors.
   *
   * @param file a GPT-2-architecture GGUF file with float32 tensors
   * @param gelu the GELU to apply
   * @throws IcmException when the file is not such a model
   */
  public GgufReference(GgufFile file, Gelu gelu) {
    requireNonNull(file, "file");
    this.gelu = requireNonNull(gelu, "gelu");
    if (!"gpt2".equals(file.metadata().get("general.architecture"))) {
      throw new IcmException(file + " is not a gpt2-architecture model");
    }
    context = integer(file, "gpt2.context_length");
    d = integer(file, "gpt2.embedding_length");
    layers = integer(file, "gpt2.block_count");
    hidden = integer(file, "gpt2.feed_forward_length");
    heads = integer(file, "gpt2.attention.head_count");
    eps = number(file, "gpt2.attention.layer_norm_epsilon").floatValue();
    tokenEmbd = file.floats("token_embd.weight");
    vocab = tokenEmbd.length / d;
    posEmbd = file.floats("position_embd.weight");
    layer = new float[layers][][];
    for (int l = 0; l < layers; l++) {
      layer[l] = new float[NAMES.size()][];
      for (int k = 0; k < NAMES.size(); k++) {
        layer[l][k] = file.floats("blk." + l + "." + NAMES.get(k));
      }
    }
    outNormW = file.floats("output_norm.weight");
    outNormB = file.floats("output_norm.bias");
  }

  private static int integer(GgufFile file, String key) {
    Object v = file.metadata().get(key);
    if (!(v instanceof Number)) {
      throw new IcmException(file + " has no integer '" + key + "'");
    }
    return ((Number) v).intValue();
  }

  private static Number number(GgufFile file, String key) {
    Object v = file.metadata().get(key);
    if (!(v instanceof Number n)) {
      throw new IcmException(file + " has no number '" + key + "'");
    }
    return n;
  }

  /**
   * Number of tokens of the vocabulary.
   *
   * @return number of tokens of the vocabulary
   */
  public int vocabularySize() {
    return vocab;
  }

  /**
   * The log-softmax over the vocabulary of the token after {@code tokens}.
   *
   * @param tokens at least one token id, at most the context length
   * @return {@link #vocabularySize()} log-probabilities
   * @throws IllegalArgumentException when the sequence is empty, too long, or an id is out of range
   */
  public double[] nextTokenLogProbs(int[] tokens) {
    int t = tokens.length;
    if (t < 1 || t > context) {
      throw new IllegalArgumentException(
          "a sequence must have 1.." + context + " tokens, but had " + t);
    }
    int hs = d / heads;
    float[][] keys = new float[layers][t * d];
    float[][] values = new float[layers][t * d];
    float[] x = null;
    for (int pos = 0; pos < t; pos++) {
      int id = tokens[pos];
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException("token id " + id + " at " + pos + " is outside [0, " + vocab + ")");
      }
      x = new float[d];
      for (int i = 0; i < d; i++) {
        x[i] = tokenEmbd[id * d + i] + posEmbd[pos * d + i];
      }
      for (int l = 0; l < layers; l++) {
        float[][] p = layer[l];
        float[] h = layerNorm(x, p[0], p[1]);
        float[] qkv = linear(h, p[2], p[3], d, 3 * d);
        System.arraycopy(qkv, d, keys[l], pos * d, d);
        System.arraycopy(qkv, 2 * d, values[l], pos * d, d);
        float[] attended = new float[d];
        double scale = 1.0 / Math.sqrt(hs);
        for (int hd = 0; hd < heads; hd++) {
          double[] s = new double[pos + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= pos; j++) {
            double dot = 0;
            for (int i = 0; i < hs; i++) {
              dot += (double) qkv[hd * hs + i] * keys[l][j * d + hd * hs + i];
            }
            s[j] = dot * scale;
            max = Math.max(max, s[j]);
          }
          double z = 0;
          for (int j = 0; j <= pos; j++) {
            s[j] = Math.exp(s[j] - max);
            z += s[j];
          }
          for (int i = 0; i < hs; i++) {
            double acc = 0;
            for (int j = 0; j <= pos; j++) {
              acc += s[j] / z * values[l][j * d + hd * hs + i];
            }
            attended[hd * hs + i] = (float) acc;
          }
        }
        float[] o = linear(attended, p[4], p[5], d, d);
        for (int i = 0; i < d; i++) {
          x[i] += o[i];
        }
        float[] h2 = layerNorm(x, p[6], p[7]);
        float[] up = linear(h2, p[8], p[9], d, hidden);
        for (int i = 0; i < hidden; i++) {
          up[i] = gelu(up[i]);
        }
        float[] down = linear(up, p[10], p[11], hidden, d);
        for (int i = 0; i < d; i++) {
          x[i] += down[i];
        }
      }
    }
    float[] out = layerNorm(requireNonNull(x, "x"), outNormW, outNormB); // t >= 1 tokens: set
    double[] logits = new double[vocab];
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      double acc = 0;
      for (int i = 0; i < d; i++) {
        acc += (double) out[i] * tokenEmbd[v * d + i];
      }
      logits[v] = (float) acc;
      max = Math.max(max, logits[v]);
    }
    double z = 0;
    for (double l : logits) {
      z += Math.exp(l - max);
    }
    double log = max + Math.log(z);
    for (int v = 0; v < vocab; v++) {
      logits[v] -= log;
    }
    return logits;
  }

  private float[] layerNorm(float[] x, float[] w, float[] b) {
    double mean = 0;
    for (float v : x) {
      mean += v;
    }
    mean /= x.length;
    double var = 0;
    for (float v : x) {
      var += (v - mean) * (v - mean);
    }
    var /= x.length;
    double inv = 1.0 / Math.sqrt(var + eps);
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = (float) ((x[i] - mean) * inv * w[i] + b[i]);
    }
    return y;
  }

  /** {@code y = W x + b} with {@code W} stored {@code [out][in]}. */
  private static float[] linear(float[] x, float[] w, float[] b, int in, int out) {
    float[] y = new float[out];
    for (int o = 0; o < out; o++) {
      double acc = b[o];
      int row = o * in;
      for (int i = 0; i < in; i++) {
        acc += (double) w[row + i] * x[i];
      }
      y[o] = (float) acc;
    }
    return y;
  }

  private float gelu(float x) {
    switch (gelu) {
      case ERF:
        return (float) (0.5 * x * (1 + erf(x / Math.sqrt(2))));
      case TANH:
        return geluTanh(x);
      case GGML:
        if (x <= -10f) {
          return 0f;
        }
        if (x >= 10f) {
          return x;
        }
        return GGML_GELU_TABLE[Fp16.toHalf(x) & 0xffff];
      default:
        throw new AssertionError(gelu);
    }
  }

  /** ggml's {@code ggml_gelu_f32}, in float. */
  static float geluTanh(float x) {
    final float sqrt2OverPi = 0.79788456080286535587989211986876f;
    final float coefA = 0.044715f;
    return 0.5f * x * (1.0f + (float) Math.tanh(sqrt2OverPi * x * (1.0f + coefA * x * x)));
  }

  private static float[] ggmlGeluTable() {
    float[] table = new float[1 << 16];
    for (int i = 0; i < table.length; i++) {
      float f = Fp16.toFloat(i);
      table[i] = Fp16.toFloat(Fp16.toHalf(geluTanh(f)) & 0xffff);
    }
    return table;
  }

  /** erf to about 1e-13: its Taylor series below 3, erfc's continued fraction above. */
  static double erf(double x) {
    double ax = Math.abs(x);
    double r;
    if (ax < 3) {
      double term = ax;
      double sum = ax;
      double x2 = ax * ax;
      for (int n = 1; n < 200; n++) {
        term *= -x2 / n;
        double add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
          break;
        }
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + (2/2) / (x + (3/2) / (x + ...))))
      double f = 0;
      for (int n = 60; n >= 1; n--) {
        f = n / 2.0 / (ax + f);
      }
      r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
    }
    return x < 0 ? -r : r;
  }

  /** IEEE 754 half precision, round to nearest even (Java 17 has no Float.floatToFloat16). */
  static final class Fp16 {
    private Fp16() {}

    static short toHalf(float f) {
      int bits = Float.floatToRawIntBits(f);
      int sign = (bits >>> 16) & 0x8000;
      int exp = (bits >>> 23) & 0xff;
      int mant = bits & 0x7fffff;
      if (exp == 0xff) {
        return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
      }
      int e = exp - 127 + 15;
      if (e >= 0x1f) {
        return (short) (sign | 0x7c00);
      }
      if (e <= 0) {
        if (e < -10) {
          return (short) sign;
        }
        mant |= 0x800000;
        int shift = 14 - e;
        int half = mant >> shift;
        int rem = mant & ((1 << shift) - 1);
        int mid = 1 << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1) != 0)) {
          half++;
        }
        return (short) (sign | half);
      }
      int half = (e << 10) | (mant >> 13);
      int rem = mant & 0x1fff;
      if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }

    static float toFloat(int h) {
      int sign = (h & 0x8000) << 16;
      int exp = (h >>> 10) & 0x1f;
      int mant = h & 0x3ff;
      if (exp == 0) {
        float v = mant * 0x1p-24f;
        return sign != 0 ? -v : v;
      }
      if (exp == 0x1f) {
        return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
      }
      return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
  }
}
