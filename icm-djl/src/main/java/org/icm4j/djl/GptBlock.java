package org.icm4j.djl;

import static java.util.Objects.requireNonNull;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * A small GPT written as a DJL {@link ai.djl.nn.Block}: token embedding plus learned position
 * embedding, {@link GptConfig#layers()} pre-LayerNorm transformer blocks (causal multi-head
 * self-attention, then a GELU MLP, each added to the residual stream), a final LayerNorm, and an
 * output head <b>tied to the token embedding</b> (logits are the final hidden states times the
 * transposed token-embedding matrix; there is no separate output matrix and no output bias). There
 * is no dropout.
 *
 * <p><b>Training.</b> {@link #forward(ParameterStore, NDList, boolean)} maps {@code
 * NDList(tokens [B, T] int64)} to {@code NDList(logits [B, T, vocabularySize])}, row {@code t}
 * predicting token {@code t + 1}; it works with DJL's {@code Trainer} and {@code
 * GradientCollector}. For the loss, flatten: DJL's {@code Loss.softmaxCrossEntropyLoss()} with
 * sparse labels expects logits {@code [N, vocabularySize]} and labels {@code [N]}, so pass {@code
 * logits.reshape(-1, vocabularySize)} and the next tokens {@code labels.reshape(-1)} (with {@code
 * [B, T, V]} logits it fails with a reshape error).
 *
 * <p><b>Incremental decoding.</b> {@link #forwardWithCache} reads new tokens after cached ones:
 * the new tokens attend to all cached tokens and causally among themselves, giving the same logits
 * as reading the whole sequence at once (up to float rounding). The cache layout is that of {@link
 * KvCache}: for each layer {@code l}, its keys then its values, {@code [k0, v0, k1, v1, ...]}, each
 * array {@code [B, heads, length, headSize]}.
 *
 * <p><b>Initialization</b> is deterministic and does not use DJL's engine random generator: each
 * parameter is drawn from its own {@link java.util.Random} seeded from {@link GptConfig#seed()}
 * and the parameter's name (so the order of initialization and other users of the engine do not
 * matter). Weights and embeddings are normal with standard deviation 0.02 (GPT-2's scheme); the two
 * projections that write into the residual stream (attention output, MLP output) use {@code 0.02 /
 * sqrt(2 * layers)}; biases and LayerNorm shifts are 0, LayerNorm scales 1. An initializer set on
 * the block afterwards (for example through {@code DefaultTrainingConfig.optInitializer}) replaces
 * this scheme for parameters not yet initialized.
 *
 * <p><b>Memory.</b> Every array a forward creates belongs to the {@link NDManager} of the {@code
 * tokens} array (scope it with a sub-manager per step); nothing is added to the manager that owns
 * the parameters. The constants of the attention (causal mask, scale) are created in that manager
 * too, so they stay alive until a backward pass through the step is done.
 *
 * <p>Not thread-safe: a block and its parameters are used by one thread at a time.
 */
public final class GptBlock extends AbstractBlock {

  private static final byte VERSION = 1;
  private static final float LAYER_NORM_EPSILON = 1e-5f;
  private static final float INIT_STD = 0.02f;
  private static final float MASKED = -1e9f;

  private final GptConfig config;
  private final Parameter tokenEmbedding;
  private final Parameter positionEmbedding;
  private final List<LayerParameters> layers;
  private final Parameter finalGamma;
  private final Parameter finalBeta;

  /**
   * Creates an uninitialized block; its parameters get their arrays from {@link
   * #initialize(NDManager, DataType, Shape...)} (or {@code Trainer.initialize}, or {@code
   * loadParameters}).
   *
   * @param config the shape and seed of the model
   */
  public GptBlock(GptConfig config) {
    super(VERSION);
    this.config = requireNonNull(config, "config");
    int d = config.embedding();
    int hidden = config.mlpHidden();
    float residualStd = (float) (INIT_STD / Math.sqrt(2.0 * config.layers()));
    tokenEmbedding =
        weight("token_embedding", new Shape(config.vocabularySize(), d), INIT_STD);
    positionEmbedding =
        weight("position_embedding", new Shape(config.maxLength(), d), INIT_STD);
    List<LayerParameters> list = new ArrayList<>();
    for (int l = 0; l < config.layers(); l++) {
      String p = "layer" + l + "_";
      list.add(
          new LayerParameters(
              constant(p + "ln1_gamma", Parameter.Type.GAMMA, d, 1f),
              constant(p + "ln1_beta", Parameter.Type.BETA, d, 0f),
              weight(p + "attention_qkv_weight", new Shape(3L * d, d), INIT_STD),
              constant(p + "attention_qkv_bias", Parameter.Type.BIAS, 3 * d, 0f),
              weight(p + "attention_out_weight", new Shape(d, d), residualStd),
              constant(p + "attention_out_bias", Parameter.Type.BIAS, d, 0f),
              constant(p + "ln2_gamma", Parameter.Type.GAMMA, d, 1f),
              constant(p + "ln2_beta", Parameter.Type.BETA, d, 0f),
              weight(p + "mlp_in_weight", new Shape(hidden, d), INIT_STD),
              constant(p + "mlp_in_bias", Parameter.Type.BIAS, hidden, 0f),
              weight(p + "mlp_out_weight", new Shape(d, hidden), residualStd),
              constant(p + "mlp_out_bias", Parameter.Type.BIAS, d, 0f)));
    }
    layers = List.copyOf(list);
    finalGamma = constant("final_ln_gamma", Parameter.Type.GAMMA, d, 1f);
    finalBeta = constant("final_ln_beta", Parameter.Type.BETA, d, 0f);
  }

  /**
   * The configuration this block was built from.
   *
   * @return the configuration this block was built from
   */
  public GptConfig config() {
    return config;
  }

  /**
   * Reads {@code tokens} as a whole sequence starting at position 0 (the training path).
   *
   * @param parameterStore gives the parameter arrays
   * @param inputs one array, the token ids {@code [B, T]} (int64; other integer types are
   *     converted), {@code 1 <= T <= maxLength}
   * @param training whether this forward is part of a training step
   * @param params unused
   * @return one array, the logits {@code [B, T, vocabularySize]}
   */
  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      @Nullable PairList<String, Object> params) {
    if (inputs.size() != 1) {
      throw new IllegalArgumentException(
          "GptBlock takes one input (token ids [batch, length]), but got " + inputs.size());
    }
    NDList out = run(parameterStore, inputs.head(), 0, null, training, false);
    return new NDList(out.head());
  }

  /**
   * Reads new tokens after {@code startPosition} cached ones, reusing their keys and values.
   *
   * @param parameterStore gives the parameter arrays (for inference, {@code new
   *     ParameterStore(model.getNDManager(), false)})
   * @param tokens the new token ids {@code [B, m]}, {@code m >= 1}, int64 (other integer types
   *     are converted); the returned arrays belong to its manager
   * @param startPosition the position of the first new token: the length of the cached sequence
   *     (0 when there is none)
   * @param past the cache of the first {@code startPosition} tokens ({@code 2 * layers} arrays
   *     {@code [k0, v0, k1, v1, ...]}, each {@code [B, heads, startPosition, headSize]}), or
   *     {@code null} (or empty) when {@code startPosition} is 0; it is neither changed nor closed
   * @return {@code [logits, k0, v0, k1, v1, ...]}: logits {@code [B, m, vocabularySize]} (row
   *     {@code j}: the distribution of the token after new token {@code j}), then each layer's
   *     keys and values covering the cached and the new tokens, {@code [B, heads, startPosition +
   *     m, headSize]}
   * @throws IllegalArgumentException when {@code startPosition + m} exceeds {@link
   *     GptConfig#maxLength()}, or {@code past} does not match {@code startPosition} or this
   *     model's layout
   */
  public NDList forwardWithCache(
      ParameterStore parameterStore, NDArray tokens, int startPosition, @Nullable NDList past) {
    return run(parameterStore, tokens, startPosition, past, false, true);
  }

  /**
   * Keys and values of a run of tokens read after a parent segment: for each layer its keys then
   * its values, {@code [heads, length, headSize]}. The context of a segment is its chain of
   * parents; segments that share a parent share its arrays (nothing is copied). Immutable; the
   * arrays belong to the manager given to {@link #forwardSegments}.
   */
  static final class Segment {
    final NDList kv;
    final int start;
    final int length;
    final @Nullable Segment parent;

    Segment(NDList kv, int start, int length, @Nullable Segment parent) {
      this.kv = kv;
      this.start = start;
      this.length = length;
      this.parent = parent;
    }

    /** The position after this segment's last token: the length of its whole context. */
    int end() {
      return start + length;
    }
  }

  /**
   * Most floats of one block of attention scores in {@link #forwardSegments} (8 MiB): the rows of
   * a batch are read against their own tokens and against each segment in blocks of at most this
   * many scores, so a block stays in the processor's cache.
   */
  static final int ATTENTION_BLOCK_FLOATS = 1 << 21;

  /** Most keys of one block of attention scores in {@link #forwardSegments}. */
  static final int ATTENTION_KEY_BLOCK = 1024;

  private int attentionBlockFloats = ATTENTION_BLOCK_FLOATS;
  private int attentionKeyBlock = ATTENTION_KEY_BLOCK;

  /**
   * Sets the attention blocks of {@link #forwardSegments} (for tests: tiny blocks exercise every
   * split; the results are the same up to float rounding).
   */
  void attentionBlocks(int floats, int keys) {
    if (floats < 1 || keys < 1) {
      throw new IllegalArgumentException("attention blocks must be >= 1, but were " + floats + " and " + keys);
    }
    attentionBlockFloats = floats;
    attentionKeyBlock = keys;
  }

  /** {@code a}, moved to {@code m}: the operations on it then put their results in {@code m}. */
  static NDArray in(NDManager m, NDArray a) {
    a.attach(m);
    return a;
  }

  /**
   * The attention of rows computed part by part (as in flash attention): for each row the largest
   * score seen, the sum of the exponentials of its scores less that maximum, and the sum of the
   * values they weight, {@code [heads, rows, 1]}, {@code [heads, rows, 1]} and {@code [heads, rows,
   * headSize]}; the attention is {@code out / sum}. Starts with every row at {@code 0 / 1} (finite,
   * for rows no part is given to).
   */
  static final class RunningSoftmax {
    final NDArray max;
    final NDArray sum;
    final NDArray out;

    RunningSoftmax(NDManager manager, int heads, int rows, int headSize) {
      max = manager.zeros(new Shape(heads, rows, 1));
      sum = manager.ones(new Shape(heads, rows, 1));
      out = manager.zeros(new Shape(heads, rows, headSize));
    }

    /**
     * Sets {@code rows} from their first part: {@code scores} {@code [heads, ..., keys]} (masked
     * keys at {@link #MASKED}) and {@code values} {@code [heads, ..., keys, headSize]}, the leading
     * axes after the heads flattening to the rows in order; the results belong to {@code scores}'s
     * manager.
     */
    void start(NDIndex rows, NDArray scores, NDArray values) {
      long heads = scores.getShape().get(0);
      NDArray rowMax = scores.max(new int[] {-1}, true);
      NDArray weights = scores.sub(rowMax).exp();
      max.set(rows, rowMax.reshape(heads, -1, 1));
      sum.set(rows, weights.sum(new int[] {-1}, true).reshape(heads, -1, 1));
      out.set(rows, weights.matMul(values).reshape(heads, -1, out.getShape().get(2)));
    }

    /**
     * Merges a further part into {@code rows}: {@code scores} {@code [heads, rows, keys]} and
     * {@code values} {@code [heads, keys, headSize]}, both in {@code block}, which receives every
     * intermediate array.
     */
    void merge(NDManager block, NDIndex rows, NDArray scores, NDArray values) {
      NDArray oldMax = in(block, max.get(rows));
      NDArray newMax = scores.max(new int[] {-1}, true).maximum(oldMax);
      NDArray part = scores.sub(newMax).exp();
      NDArray decay = oldMax.sub(newMax).exp();
      sum.set(rows, in(block, sum.get(rows)).mul(decay).add(part.sum(new int[] {-1}, true)));
      out.set(rows, in(block, out.get(rows)).mul(decay).add(part.matMul(values)));
      max.set(rows, newMax);
    }

    /** The attention of every row, {@code [heads, rows, headSize]}. */
    NDArray attention() {
      return out.div(sum);
    }
  }

  /**
   * Reads a batch of token sequences, each after its own chain of cached {@link Segment}s, in one
   * forward (inference only; no autograd). Sequences are padded to the longest; a sequence's new
   * tokens attend causally to each other and to every token of its parent chain. Attention to a
   * segment that several sequences share is computed for their rows at once, and partial softmaxes
   * are merged exactly (the log-sum-exp of each part, as in flash attention), so no context is
   * copied. Only the rows in {@code readRows} go through the final LayerNorm and the tied head.
   *
   * <p>Keep sequences that share a parent next to each other: the rows of a shared segment are
   * then one slice (any order is correct; a scattered order only costs more, smaller matmuls).
   *
   * @param ps gives the parameter arrays
   * @param out owns the returned logits
   * @param tokens the new tokens of each sequence, at least one each
   * @param parents the segment each sequence follows ({@code null}: it starts at position 0)
   * @param segmentManagers where each sequence's new segment is kept, or {@code null} to keep none
   * @param readRows for each sequence, the indices of its new tokens whose logits are wanted
   * @return the logits {@code [rows, vocabularySize]} of the read rows (sequence by sequence, in
   *     the order given) and the new segments ({@code null} where no manager was given)
   */
  SegmentResult forwardSegments(
      ParameterStore ps,
      NDManager out,
      long[][] tokens,
      @Nullable Segment[] parents,
      @Nullable NDManager[] segmentManagers,
      int[][] readRows) {
    int batch = tokens.length;
    int heads = config.heads();
    int headSize = config.headSize();
    int d = config.embedding();
    int width = 0;
    int rowsRead = 0;
    for (int s = 0; s < batch; s++) {
      int start = parents[s] == null ? 0 : parents[s].end();
      if (tokens[s].length == 0 || start + tokens[s].length > config.maxLength()) {
        throw new IllegalArgumentException(
            "sequence " + s + " of the batch has " + tokens[s].length + " tokens after " + start
                + "; it needs 1 to " + (config.maxLength() - start));
      }
      width = Math.max(width, tokens[s].length);
      rowsRead += readRows[s].length;
    }
    int rows = batch * width;
    long[] ids = new long[rows];
    long[] positions = new long[rows];
    float[] ownMask = new float[batch * width * width];
    long[] read = new long[rowsRead];
    int r = 0;
    for (int s = 0; s < batch; s++) {
      int start = parents[s] == null ? 0 : parents[s].end();
      int len = tokens[s].length;
      for (int j = 0; j < width; j++) {
        ids[s * width + j] = j < len ? tokens[s][j] : 0;
        positions[s * width + j] = Math.min(start + j, config.maxLength() - 1);
        for (int k = 0; k < width; k++) {
          if (k > j || k >= len) {
            ownMask[(s * width + j) * width + k] = MASKED;
          }
        }
      }
      for (int row : readRows[s]) {
        read[r++] = (long) s * width + row;
      }
    }
    // The distinct segments of the parent chains, each with the (sorted) sequences that read it.
    java.util.Map<Segment, List<Integer>> readers = new java.util.LinkedHashMap<>();
    for (int s = 0; s < batch; s++) {
      for (Segment g = parents[s]; g != null; g = g.parent) {
        readers.computeIfAbsent(g, key -> new ArrayList<>()).add(s);
      }
    }
    Device device = out.getDevice();
    try (NDManager scratch = out.newSubManager(device)) {
      NDArray x =
          Embedding.embedding(
                  scratch.create(ids), value(ps, tokenEmbedding, device, false), SparseFormat.DENSE)
              .head()
              .add(
                  Embedding.embedding(
                          scratch.create(positions),
                          value(ps, positionEmbedding, device, false),
                          SparseFormat.DENSE)
                      .head()); // [rows, d]
      NDArray mask = scratch.create(ownMask, new Shape(1, batch, width, width));
      float scale = (float) (1.0 / Math.sqrt(headSize));
      Shape normalized = new Shape(d);
      @Nullable NDList[] kept = new NDList[batch];
      for (int s = 0; s < batch; s++) {
        if (segmentManagers[s] != null) {
          kept[s] = new NDList(cacheArrays());
        }
      }
      for (int l = 0; l < layers.size(); l++) {
        LayerParameters p = layers.get(l);
        try (NDManager layer = scratch.newSubManager()) {
          NDArray in = x;
          in.tempAttach(layer);
          NDArray h =
              LayerNorm.layerNorm(
                      in, normalized, value(ps, p.ln1Gamma, device, false),
                      value(ps, p.ln1Beta, device, false), LAYER_NORM_EPSILON)
                  .head();
          NDArray qkv =
              Linear.linear(h, value(ps, p.qkvWeight, device, false), value(ps, p.qkvBias, device, false))
                  .head(); // [rows, 3d]
          NDList parts = qkv.split(3, 1);
          // [heads, rows, headSize]: the rows of a sequence (and of neighbouring sequences) are
          // one slice, so a shared segment is read by one matmul over all its readers' rows.
          NDArray q = parts.get(0).mul(scale).reshape(rows, heads, headSize).transpose(1, 0, 2);
          NDArray k = parts.get(1).reshape(rows, heads, headSize).transpose(1, 0, 2);
          NDArray v = parts.get(2).reshape(rows, heads, headSize).transpose(1, 0, 2);
          // Attention to the sequence's own tokens (causal, padding masked), then to each segment
          // of the parent chains, merged into a running softmax. Every block of scores is at most
          // attentionBlockFloats and lives in a manager of its own, closed at the block's end:
          // the scores then stay in the processor's cache and their memory is reused (chunks of
          // 2^24 scores ran at 0.06 of the matmul speed, blocks of 2^21 scores and 1,024 keys at
          // 0.42-0.54: AttentionBlockProbe).
          NDArray q4 = q.reshape(heads, batch, width, headSize);
          NDArray k4 = k.reshape(heads, batch, width, headSize);
          NDArray v4 = v.reshape(heads, batch, width, headSize);
          RunningSoftmax run = new RunningSoftmax(layer, heads, rows, headSize);
          long ownFloats = (long) heads * width * width;
          if (ownFloats <= attentionBlockFloats) {
            int per = (int) Math.max(1, attentionBlockFloats / ownFloats);
            for (int b0 = 0; b0 < batch; b0 += per) {
              int b1 = Math.min(batch, b0 + per);
              try (NDManager block = layer.newSubManager()) {
                NDIndex seqs = new NDIndex(":, {}:{}", b0, b1);
                NDArray scores =
                    in(block, q4.get(seqs))
                        .matMul(in(block, k4.get(seqs)).transpose(0, 1, 3, 2))
                        .add(in(block, mask.get(seqs))); // [heads, b, w, w]
                run.start(
                    new NDIndex(":, {}:{}", b0 * width, b1 * width), scores, in(block, v4.get(seqs)));
              }
            }
          } else {
            int per = (int) Math.max(1, attentionBlockFloats / ((long) heads * width));
            for (int s = 0; s < batch; s++) {
              for (int j0 = 0; j0 < tokens[s].length; j0 += per) {
                int j1 = Math.min(tokens[s].length, j0 + per); // later keys are masked: skipped
                try (NDManager block = layer.newSubManager()) {
                  NDArray scores =
                      in(block, q4.get(new NDIndex(":, {}, {}:{}, :", s, j0, j1)))
                          .matMul(in(block, k4.get(new NDIndex(":, {}, :{}, :", s, j1))).transpose(0, 2, 1))
                          .add(in(block, mask.get(new NDIndex("0, {}, {}:{}, :{}", s, j0, j1, j1))));
                  run.start(
                      new NDIndex(":, {}:{}", s * width + j0, s * width + j1), scores,
                      in(block, v4.get(new NDIndex(":, {}, :{}, :", s, j1))));
                }
              }
              // Padding rows (j >= the sequence's length) keep a finite 0 / 1; they are never read.
            }
          }
          for (java.util.Map.Entry<Segment, List<Integer>> e : readers.entrySet()) {
            NDArray keys = e.getKey().kv.get(2 * l);
            NDArray values = e.getKey().kv.get(2 * l + 1);
            int length = e.getKey().length;
            for (int[] readRun : runs(e.getValue())) {
              for (int k0 = 0; k0 < length; k0 += attentionKeyBlock) {
                int k1 = Math.min(length, k0 + attentionKeyBlock);
                NDIndex keyBlock = new NDIndex(":, {}:{}, :", k0, k1);
                int chunkRows = (int) Math.max(1, attentionBlockFloats / ((long) heads * (k1 - k0)));
                for (int from = readRun[0] * width; from < readRun[1] * width; from += chunkRows) {
                  int to = Math.min(readRun[1] * width, from + chunkRows);
                  NDIndex slice = new NDIndex(":, {}:{}", from, to);
                  try (NDManager block = layer.newSubManager()) {
                    NDArray scores =
                        in(block, q.get(slice))
                            .matMul(in(block, keys.get(keyBlock)).transpose(0, 2, 1)); // [heads, R, L]
                    run.merge(block, slice, scores, in(block, values.get(keyBlock)));
                  }
                }
              }
            }
          }
          NDArray merged = run.attention().transpose(1, 0, 2).reshape(rows, d);
          NDArray x1 =
              in.add(
                  Linear.linear(
                          merged, value(ps, p.outWeight, device, false),
                          value(ps, p.outBias, device, false))
                      .head());
          NDArray h2 =
              LayerNorm.layerNorm(
                      x1, normalized, value(ps, p.ln2Gamma, device, false),
                      value(ps, p.ln2Beta, device, false), LAYER_NORM_EPSILON)
                  .head();
          NDArray hidden =
              Activation.gelu(
                  Linear.linear(
                          h2, value(ps, p.mlpInWeight, device, false),
                          value(ps, p.mlpInBias, device, false))
                      .head());
          x =
              x1.add(
                  Linear.linear(
                          hidden, value(ps, p.mlpOutWeight, device, false),
                          value(ps, p.mlpOutBias, device, false))
                      .head());
          x.attach(scratch);
          for (int s = 0; s < batch; s++) {
            if (kept[s] != null) {
              NDIndex own4 = new NDIndex(":, {}, :{}, :", s, tokens[s].length);
              NDArray ks = k4.get(own4).duplicate(); // compact [heads, length, headSize]
              NDArray vs = v4.get(own4).duplicate();
              ks.attach(segmentManagers[s]);
              vs.attach(segmentManagers[s]);
              kept[s].add(ks);
              kept[s].add(vs);
            }
          }
        } // the layer's intermediates (and its input, returned to scratch) end here
      }
      NDArray picked = x.get(new NDIndex("{}", scratch.create(read)));
      NDArray normed =
          LayerNorm.layerNorm(
                  picked, normalized, value(ps, finalGamma, device, false),
                  value(ps, finalBeta, device, false), LAYER_NORM_EPSILON)
              .head();
      NDArray logits = Linear.linear(normed, value(ps, tokenEmbedding, device, false)).head();
      logits.attach(out);
      Segment[] made = new Segment[batch];
      for (int s = 0; s < batch; s++) {
        if (kept[s] != null) {
          int start = parents[s] == null ? 0 : parents[s].end();
          made[s] = new Segment(kept[s], start, tokens[s].length, parents[s]);
        }
      }
      return new SegmentResult(logits, made);
    }
  }

  /**
   * What {@link #forwardSegments} returns.
   *
   * @param logits {@code [rows read, vocabularySize]}
   * @param segments the new segment of each sequence, or {@code null} where none was kept
   */
  record SegmentResult(NDArray logits, @Nullable Segment[] segments) {}

  /** Maximal runs of consecutive integers in a sorted list, as {@code [from, to)}. */
  private static List<int[]> runs(List<Integer> sorted) {
    List<int[]> out = new ArrayList<>();
    int from = sorted.get(0);
    int prev = from;
    for (int i = 1; i < sorted.size(); i++) {
      int cur = sorted.get(i);
      if (cur != prev + 1) {
        out.add(new int[] {from, prev + 1});
        from = cur;
      }
      prev = cur;
    }
    out.add(new int[] {from, prev + 1});
    return out;
  }

  /**
   * Shapes of {@link #forward(ParameterStore, NDList, boolean)}'s output.
   *
   * @param inputShapes one shape {@code [B, T]}
   * @return one shape {@code [B, T, vocabularySize]}
   */
  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {new Shape(in.get(0), in.get(1), config.vocabularySize())};
  }

  /**
   * Number of arrays in a cache of this model: keys and values for each layer.
   *
   * @return number of arrays in a cache of this model
   */
  public int cacheArrays() {
    return 2 * config.layers();
  }

  /**
   * Writes the input shapes and this block's configuration (without the seed) ahead of the
   * parameters, so that loading into a block of another shape fails with a clear message.
   *
   * @param os the stream
   */
  @Override
  protected void saveMetadata(DataOutputStream os) throws IOException {
    super.saveMetadata(os);
    for (int value : shapeSignature()) {
      os.writeInt(value);
    }
  }

  /**
   * Reads what {@link #saveMetadata} wrote and checks that it matches {@link #config()}.
   *
   * @param loadVersion the version read from the stream
   * @param is the stream
   * @throws MalformedModelException when the version or the configuration differs
   */
  @Override
  protected void loadMetadata(byte loadVersion, DataInputStream is)
      throws IOException, MalformedModelException {
    super.loadMetadata(loadVersion, is);
    int[] expected = shapeSignature();
    int[] saved = new int[expected.length];
    for (int i = 0; i < saved.length; i++) {
      saved[i] = is.readInt();
    }
    if (!Arrays.equals(saved, expected)) {
      throw new MalformedModelException(
          "the parameters were saved from a GPT with (vocabularySize, maxLength, layers, heads,"
              + " embedding, mlpHidden) = "
              + Arrays.toString(saved)
              + ", but this block has "
              + Arrays.toString(expected)
              + ": build the block from the configuration saved with them");
    }
  }

  private int[] shapeSignature() {
    return new int[] {
      config.vocabularySize(),
      config.maxLength(),
      config.layers(),
      config.heads(),
      config.embedding(),
      config.mlpHidden()
    };
  }

  private NDList run(
      ParameterStore ps,
      NDArray tokens,
      int start,
      @Nullable NDList past,
      boolean training,
      boolean freeLayers) {
    requireNonNull(ps, "parameterStore");
    requireNonNull(tokens, "tokens");
    Shape shape = tokens.getShape();
    if (shape.dimension() != 2 || shape.get(1) < 1) {
      throw new IllegalArgumentException(
          "tokens must have shape [batch, length] with length >= 1, but had shape " + shape);
    }
    long batch = shape.get(0);
    int m = Math.toIntExact(shape.get(1));
    if (start < 0) {
      throw new IllegalArgumentException("startPosition must be >= 0, but was " + start);
    }
    int total = start + m;
    if (total > config.maxLength()) {
      throw new IllegalArgumentException(
          "a sequence of "
              + total
              + " tokens ("
              + start
              + " cached + "
              + m
              + " new) exceeds the model's maxLength of "
              + config.maxLength());
    }
    boolean hasPast = past != null && !past.isEmpty();
    checkPast(hasPast ? past : null, batch, start);

    NDManager step = tokens.getManager();
    Device device = tokens.getDevice();
    int d = config.embedding();
    int heads = config.heads();
    int headSize = config.headSize();
    Shape normalized = new Shape(d);

    NDArray ids =
        tokens.getDataType() == DataType.INT64 ? tokens : tokens.toType(DataType.INT64, false);
    NDArray x =
        Embedding.embedding(ids, value(ps, tokenEmbedding, device, training), SparseFormat.DENSE)
            .head();
    NDArray positions = step.arange(start, total, 1, DataType.INT64);
    NDArray positionVectors =
        Embedding.embedding(
                positions, value(ps, positionEmbedding, device, training), SparseFormat.DENSE)
            .head();
    x = x.add(positionVectors);
    NDArray mask = causalMask(step, m, start);
    NDArray scale = step.full(new Shape(), (float) (1.0 / Math.sqrt(headSize)), DataType.FLOAT32);

    NDList presents = new NDList(cacheArrays());
    for (int l = 0; l < layers.size(); l++) {
      // Without autograd (freeLayers), each layer's intermediates live in a sub-manager closed at
      // the end of the layer: otherwise a long read keeps every layer's attention scores alive
      // (12 layers x [heads, T, T] floats; a 5,500-token read of a GPT-2-small shape needed > 20 GB).
      @Nullable NDManager layerScope = freeLayers ? step.newSubManager() : null;
      NDArray layerInput = x;
      if (layerScope != null) {
        x.tempAttach(layerScope);
      }
      LayerParameters p = layers.get(l);
      NDArray h =
          LayerNorm.layerNorm(
                  x,
                  normalized,
                  value(ps, p.ln1Gamma, device, training),
                  value(ps, p.ln1Beta, device, training),
                  LAYER_NORM_EPSILON)
              .head();
      NDArray qkv =
          Linear.linear(
                  h,
                  value(ps, p.qkvWeight, device, training),
                  value(ps, p.qkvBias, device, training))
              .head();
      NDList parts = qkv.split(3, 2);
      NDArray q = splitHeads(parts.get(0), batch, m, heads, headSize);
      NDArray k = splitHeads(parts.get(1), batch, m, heads, headSize);
      NDArray v = splitHeads(parts.get(2), batch, m, heads, headSize);
      if (hasPast) {
        // The result of an op belongs to its first operand's manager: the concatenation would
        // land in the cache's manager, so move it to this step's.
        k = NDArrays.concat(new NDList(requireNonNull(past, "past").get(2 * l), k), 2);
        k.attach(step);
        v = NDArrays.concat(new NDList(requireNonNull(past, "past").get(2 * l + 1), v), 2);
        v.attach(step);
      }
      presents.add(k);
      presents.add(v);
      NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(mask);
      NDArray attended = scores.softmax(-1).matMul(v); // [B, heads, m, headSize]
      NDArray merged = attended.transpose(0, 2, 1, 3).reshape(batch, m, d);
      x =
          x.add(
              Linear.linear(
                      merged,
                      value(ps, p.outWeight, device, training),
                      value(ps, p.outBias, device, training))
                  .head());
      NDArray h2 =
          LayerNorm.layerNorm(
                  x,
                  normalized,
                  value(ps, p.ln2Gamma, device, training),
                  value(ps, p.ln2Beta, device, training),
                  LAYER_NORM_EPSILON)
              .head();
      NDArray hidden =
          Activation.gelu(
              Linear.linear(
                      h2,
                      value(ps, p.mlpInWeight, device, training),
                      value(ps, p.mlpInBias, device, training))
                  .head());
      x =
          x.add(
              Linear.linear(
                      hidden,
                      value(ps, p.mlpOutWeight, device, training),
                      value(ps, p.mlpOutBias, device, training))
                  .head());
      if (layerScope != null) {
        x.attach(step);
        k.attach(step);
        v.attach(step);
        layerScope.close(); // the layer's input returns to step; it is not needed any more
        layerInput.close();
      }
    }
    NDArray out =
        LayerNorm.layerNorm(
                x,
                normalized,
                value(ps, finalGamma, device, training),
                value(ps, finalBeta, device, training),
                LAYER_NORM_EPSILON)
            .head();
    // Tied head: out [B, m, d] times token_embedding^T [d, V]. Linear.linear(input, weight) puts
    // the result in the input's manager (a transpose of the parameter would land in the model's).
    NDArray logits =
        Linear.linear(out, value(ps, tokenEmbedding, device, training)).head();
    NDList result = new NDList(1 + presents.size());
    result.add(logits);
    result.addAll(presents);
    return result;
  }

  private void checkPast(@Nullable NDList past, long batch, int start) {
    if (past == null) {
      if (start != 0) {
        throw new IllegalArgumentException(
            "startPosition is "
                + start
                + " but no cache was given: pass the cache of those tokens");
      }
      return;
    }
    if (past.size() != cacheArrays()) {
      throw new IllegalArgumentException(
          "the cache holds "
              + past.size()
              + " arrays, but this model keeps "
              + cacheArrays()
              + " (keys and values of "
              + config.layers()
              + " layers): was it made by another model?");
    }
    Shape expected = new Shape(batch, config.heads(), start, config.headSize());
    for (int i = 0; i < past.size(); i++) {
      Shape actual = past.get(i).getShape();
      if (!actual.equals(expected)) {
        throw new IllegalArgumentException(
            "cache array "
                + i
                + " has shape "
                + actual
                + ", but this model at startPosition "
                + start
                + " expects "
                + expected);
      }
    }
  }

  private static NDArray splitHeads(NDArray a, long batch, int m, int heads, int headSize) {
    return a.reshape(batch, m, heads, headSize).transpose(0, 2, 1, 3);
  }

  /** Additive mask {@code [m, start + m]}: new token i sees positions 0 .. start + i. */
  private static NDArray causalMask(NDManager manager, int m, int start) {
    int width = start + m;
    float[] data = new float[m * width];
    for (int i = 0; i < m; i++) {
      for (int j = start + i + 1; j < width; j++) {
        data[i * width + j] = MASKED;
      }
    }
    // A copy in native memory, so no Java buffer has to outlive the array (see djl-facts).
    try (NDArray wrapped = manager.create(data, new Shape(m, width))) {
      return wrapped.duplicate();
    }
  }

  private static NDArray value(
      ParameterStore ps, Parameter parameter, Device device, boolean training) {
    return ps.getValue(parameter, device, training);
  }

  private Parameter weight(String name, Shape shape, float std) {
    return addParameter(
        Parameter.builder()
            .setName(name)
            .setType(Parameter.Type.WEIGHT)
            .optShape(shape)
            .optInitializer(new SeededNormal(config.seed(), name, std))
            .build());
  }

  private Parameter constant(String name, Parameter.Type type, int size, float value) {
    return addParameter(
        Parameter.builder()
            .setName(name)
            .setType(type)
            .optShape(new Shape(size))
            .optInitializer(value == 0f ? Initializer.ZEROS : Initializer.ONES)
            .build());
  }

  /** Parameters of one transformer block. */
  private record LayerParameters(
      Parameter ln1Gamma,
      Parameter ln1Beta,
      Parameter qkvWeight,
      Parameter qkvBias,
      Parameter outWeight,
      Parameter outBias,
      Parameter ln2Gamma,
      Parameter ln2Beta,
      Parameter mlpInWeight,
      Parameter mlpInBias,
      Parameter mlpOutWeight,
      Parameter mlpOutBias) {}

  /**
   * Normal(0, std) from a {@link Random} seeded by the model seed and the parameter name:
   * reproducible bit for bit ({@code Random.nextGaussian} is specified exactly).
   */
  private static final class SeededNormal implements Initializer {
    private final long seed;
    private final float std;

    SeededNormal(long modelSeed, String name, float std) {
      this.seed = mix(modelSeed * 0x9E3779B97F4A7C15L + name.hashCode());
      this.std = std;
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
      Random random = new Random(seed);
      float[] data = new float[Math.toIntExact(shape.size())];
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) (random.nextGaussian() * std);
      }
      try (NDArray wrapped = manager.create(data, shape)) {
        if (dataType == DataType.FLOAT32) {
          return wrapped.duplicate();
        }
        return wrapped.toType(dataType, true);
      }
    }

    /** Stafford's variant 13 of the MurmurHash3 finalizer. */
    private static long mix(long z) {
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }
  }
}
