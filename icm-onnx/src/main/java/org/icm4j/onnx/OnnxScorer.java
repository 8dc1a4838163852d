package org.icm4j.onnx;

import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.text.LabelLogProbs;
import org.icm4j.text.LeaveOneOutOrder;
import org.icm4j.text.LeaveOneOutPlan;
import org.icm4j.text.PromptLayout;
import org.icm4j.text.PromptTokens;
import org.icm4j.text.Tokenizer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link LabelScorer} for a causal language model exported to ONNX in the Optimum /
 * onnx-community decoder layout, run with ONNX Runtime: the exact log-probability of each label's
 * tokens (summed over multi-token labels, log-softmax over the full vocabulary) after the
 * demonstrations and the query, laid out and checked by icm-core's text layer ({@link
 * PromptTokens}). Leave-one-out calls run the text layer's {@link LeaveOneOutPlan} with the
 * model's key/value cache.
 *
 * <p>The model's inputs are {@code input_ids} [batch, seq] int64, {@code attention_mask} [batch,
 * past + seq] int64, {@code position_ids} [batch, seq] int64 (optional) and {@code
 * past_key_values.N.key} / {@code .value} [batch, kv_heads, past, head_dim] (float32 or float16);
 * its outputs {@code logits} [batch, seq, vocab] and {@code present.N.key} / {@code .value}. The
 * scorer reads the layer count, key/value heads, head width and vocabulary from the graph, and the
 * longest context from {@link Builder#maxLength} or the {@code max_position_embeddings} of a
 * {@code config.json} next to the model (or one directory up, as in {@code onnx/model.onnx}).
 *
 * <p>Thread-safe: calls are serialized. Close it to release the ONNX Runtime session.
 *
 * <pre>{@code
 * try (OnnxScorer scorer = OnnxScorer.builder()
 *     .model(dir.resolve("onnx/model.onnx"))
 *     .tokenizer(myTokenizer) // an org.icm4j.text.Tokenizer for dir/tokenizer.json
 *     .build()) {
 *   IcmResult result = Icm.builder().scorer(scorer).seed(1).build().run(examples);
 * }
 * }</pre>
 */
public final class OnnxScorer implements LabelScorer, AutoCloseable {

  private static final System.Logger LOG = System.getLogger(OnnxScorer.class.getName());
  private static final String INPUT_IDS = "input_ids";
  private static final String ATTENTION_MASK = "attention_mask";
  private static final String POSITION_IDS = "position_ids";
  private static final String LOGITS = "logits";

  private final OrtEnvironment env;
  private final OrtSession session;
  private final Path modelFile;
  /** {@link org.icm4j.spi.ModelDigest#ofFiles} of the model and its external data, taken at load. */
  private final String digest;
  private final PromptTokens text;
  private final LeaveOneOutOrder order;
  private final int layers;
  private final int kvHeads;
  private final int headDim;
  private final int vocabularySize;
  private final int maxLength;
  private final boolean half;
  private final boolean hasPositions;
  private final int chunkTokens;
  private final Cache empty;
  private long tokens;
  private boolean closed;

  /** A context the model has read: its keys and values (owned by a run's result, if any). */
  private static final class Cache implements AutoCloseable {
    final OnnxTensor[] past;
    final int length;
    final @Nullable AutoCloseable owner;

    Cache(OnnxTensor[] past, int length, @Nullable AutoCloseable owner) {
      this.past = past;
      this.length = length;
      this.owner = owner;
    }

    @Override
    public void close() {
      try {
        if (owner != null) {
          owner.close();
        } else {
          for (OnnxTensor t : past) {
            t.close();
          }
        }
      } catch (Exception e) {
        throw new IcmException("cannot release ONNX Runtime tensors: " + e.getMessage(), e);
      }
    }
  }

  /** Logits of a forward and the cache of everything read. */
  private record Step(float[] logits, int rows, Cache cache) {}

  // NullAway: inputs.get(pastName(0, "key")) is present, the loop above counted it (n >= 1)
  @SuppressWarnings("NullAway")
  private OnnxScorer(Builder b, OrtSession session, Path modelFile) throws OrtException {
    this.env = OrtEnvironment.getEnvironment();
    this.session = session;
    this.modelFile = modelFile;
    this.digest = org.icm4j.spi.ModelDigest.ofFiles(ExternalData.of(modelFile));
    this.order = b.order;
    this.chunkTokens = b.chunkTokens;
    Map<String, NodeInfo> inputs = session.getInputInfo();
    Map<String, NodeInfo> outputs = session.getOutputInfo();
    for (String required : List.of(INPUT_IDS, ATTENTION_MASK)) {
      if (!inputs.containsKey(required)) {
        throw layoutError("has no input '" + required + "'", inputs, outputs);
      }
    }
    if (!outputs.containsKey(LOGITS)) {
      throw layoutError("has no output 'logits'", inputs, outputs);
    }
    this.hasPositions = inputs.containsKey(POSITION_IDS);
    int n = 0;
    while (inputs.containsKey(pastName(n, "key"))) {
      if (!inputs.containsKey(pastName(n, "value"))
          || !outputs.containsKey(presentName(n, "key"))
          || !outputs.containsKey(presentName(n, "value"))) {
        throw layoutError("has past_key_values." + n + ".key without its value or presents", inputs, outputs);
      }
      n++;
    }
    if (n == 0) {
      throw layoutError(
          "has no input 'past_key_values.0.key': export it with a key/value cache"
              + " (optimum-cli export onnx --task text-generation-with-past)",
          inputs,
          outputs);
    }
    this.layers = n;
    TensorInfo past = (TensorInfo) inputs.get(pastName(0, "key")).getInfo();
    long[] shape = past.getShape();
    if (shape.length != 4 || shape[1] < 1 || shape[3] < 1) {
      throw layoutError(
          "has past_key_values.0.key of shape " + Arrays.toString(shape)
              + ", not [batch, kv_heads, past, head_dim] with fixed kv_heads and head_dim",
          inputs,
          outputs);
    }
    this.kvHeads = (int) shape[1];
    this.headDim = (int) shape[3];
    if (past.type == OnnxJavaType.FLOAT16) {
      this.half = true;
    } else if (past.type == OnnxJavaType.FLOAT) {
      this.half = false;
    } else {
      throw layoutError("has keys and values of type " + past.type + ", not float32 or float16", inputs, outputs);
    }
    long[] logitsShape = ((TensorInfo) outputs.get(LOGITS).getInfo()).getShape();
    if (logitsShape.length != 3 || logitsShape[2] < 1) {
      throw layoutError(
          "has logits of shape " + Arrays.toString(logitsShape) + ", not [batch, seq, vocab] with a fixed vocab",
          inputs,
          outputs);
    }
    this.vocabularySize = (int) logitsShape[2];
    this.maxLength = b.maxLength > 0 ? b.maxLength : configMaxLength(modelFile);
    this.text = PromptTokens.of(b.layout, requireNonNull(b.tokenizer), vocabularySize);
    OnnxTensor[] none = new OnnxTensor[2 * layers];
    for (int i = 0; i < none.length; i++) {
      long[] s = {1, kvHeads, 0, headDim};
      none[i] =
          half
              ? OnnxTensor.createTensor(env, ByteBuffer.allocateDirect(0), s, OnnxJavaType.FLOAT16)
              : OnnxTensor.createTensor(env, FloatBuffer.allocate(0), s);
    }
    this.empty = new Cache(none, 0, null);
  }

  private static String pastName(int layer, String kind) {
    return "past_key_values." + layer + "." + kind;
  }

  private static String presentName(int layer, String kind) {
    return "present." + layer + "." + kind;
  }

  private IcmException layoutError(String what, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
    return new IcmException(
        "the ONNX model " + modelFile + " " + what + " (inputs " + new TreeSet<>(inputs.keySet())
            + ", outputs " + new TreeSet<>(outputs.keySet()) + "): OnnxScorer needs the Optimum /"
            + " onnx-community decoder layout: inputs input_ids, attention_mask, position_ids,"
            + " past_key_values.N.key/value; outputs logits, present.N.key/value");
  }

  // NullAway: an absolute path to a model file always has a parent directory
  @SuppressWarnings("NullAway")
  private static int configMaxLength(Path modelFile) {
    Path dir = modelFile.toAbsolutePath().getParent();
    for (Path candidate : new Path[] {dir.resolve("config.json"), dir.getParent() == null ? null : dir.getParent().resolve("config.json")}) {
      if (candidate != null && Files.isRegularFile(candidate)) {
        try {
          JsonNode n = new ObjectMapper().readTree(candidate.toFile()).get("max_position_embeddings");
          if (n != null && n.canConvertToInt() && n.asInt() > 0) {
            return n.asInt();
          }
          throw new IcmException(
              candidate + " has no positive max_position_embeddings: set it, or call"
                  + " OnnxScorer.Builder.maxLength(int)");
        } catch (IOException e) {
          throw new IcmException("cannot read " + candidate + " as JSON: " + e.getMessage(), e);
        }
      }
    }
    throw new IcmException(
        "no config.json next to " + modelFile + " or one directory up to give the model's longest"
            + " context: call OnnxScorer.Builder.maxLength(int)");
  }

  /**
   * A builder; {@link Builder#model} and {@link Builder#tokenizer} are required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Tokens run through the model so far.
   *
   * @return tokens run through the model so far
   */
  public synchronized long tokensForwarded() {
    return tokens;
  }

  /**
   * The leave-one-out order this scorer runs.
   *
   * @return the leave-one-out order this scorer runs
   */
  public LeaveOneOutOrder leaveOneOutOrder() {
    return order;
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code modelDigest}: 32 hex digits of the SHA-256 of the sizes and first and last MiB of
   * the model file and of its external data files (next to it, named {@code model.onnx_data...} or
   * {@code model.onnx.data...} for {@code model.onnx}), taken when the model was loaded (reads at
   * most 2 MiB per file); {@code vocabularySize}; {@code dtype}, {@code float32} or {@code
   * float16}.
   */
  @Override
  public Map<String, String> identity() {
    return Map.of(
        "modelDigest", digest,
        "vocabularySize", String.valueOf(vocabularySize),
        "dtype", half ? "float16" : "float32");
  }

  /**
   * The size of the model's logits' last dimension.
   *
   * @return the size of the model's logits' last dimension
   */
  public int vocabularySize() {
    return vocabularySize;
  }

  /**
   * Whether the model's keys, values and logits are float16.
   *
   * @return whether the model's keys, values and logits are float16
   */
  public boolean isFloat16() {
    return half;
  }

  // ---------------------------------------------------------------- model calls

  /**
   * Reads {@code ids} after {@code cache} in chunks of at most {@link Builder#chunkTokens} tokens
   * (each chunk extends the cache), so that the logits ONNX Runtime returns stay small however
   * long the context is; returns the logits of the last chunk (or none).
   */
  private Step forward(long[] ids, Cache cache, boolean logits) {
    if (ids.length <= chunkTokens) {
      return run(ids, cache, logits);
    }
    Cache at = cache;
    Step step = null;
    for (int from = 0; from < ids.length; from += chunkTokens) {
      int to = Math.min(ids.length, from + chunkTokens);
      Step next;
      try {
        next = run(Arrays.copyOfRange(ids, from, to), at, logits && to == ids.length);
      } finally {
        if (at != cache) {
          at.close();
        }
      }
      step = next;
      at = next.cache();
    }
    return requireNonNull(step);
  }

  private Step run(long[] ids, Cache cache, boolean wantLogits) {
    int total = cache.length + ids.length;
    if (total > maxLength) {
      throw new IcmException(
          "a context of " + total + " tokens exceeds the model's limit of " + maxLength
              + " tokens: use a smaller batch (Icm.Builder.batchSize) or shorter prompts");
    }
    long[] mask = new long[total];
    Arrays.fill(mask, 1L);
    long[] positions = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      positions[i] = cache.length + i;
    }
    Map<String, OnnxTensor> in = new HashMap<>();
    List<OnnxTensor> made = new ArrayList<>();
    OrtSession.Result result = null;
    try {
      made.add(OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {1, ids.length}));
      in.put(INPUT_IDS, made.get(made.size() - 1));
      made.add(OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, total}));
      in.put(ATTENTION_MASK, made.get(made.size() - 1));
      if (hasPositions) {
        made.add(OnnxTensor.createTensor(env, LongBuffer.wrap(positions), new long[] {1, ids.length}));
        in.put(POSITION_IDS, made.get(made.size() - 1));
      }
      for (int l = 0; l < layers; l++) {
        in.put(pastName(l, "key"), cache.past[2 * l]);
        in.put(pastName(l, "value"), cache.past[2 * l + 1]);
      }
      result = session.run(in);
      OnnxTensor logits = (OnnxTensor) result.get(LOGITS).orElseThrow();
      long[] shape = logits.getInfo().getShape();
      if (shape.length != 3 || shape[1] != ids.length || shape[2] != vocabularySize) {
        throw new IcmException(
            "the ONNX model " + modelFile + " returned logits of shape " + Arrays.toString(shape)
                + " for " + ids.length + " tokens; expected [1, " + ids.length + ", "
                + vocabularySize + "]");
      }
      float[] values = new float[0];
      if (wantLogits) {
        FloatBuffer fb = logits.getFloatBuffer();
        values = new float[fb.remaining()];
        fb.get(values);
      }
      OnnxTensor[] present = new OnnxTensor[2 * layers];
      for (int l = 0; l < layers; l++) {
        present[2 * l] = tensor(result, presentName(l, "key"));
        present[2 * l + 1] = tensor(result, presentName(l, "value"));
      }
      tokens += ids.length;
      Step step = new Step(values, ids.length, new Cache(present, total, result));
      result = null; // owned by the cache now
      return step;
    } catch (OrtException e) {
      throw new IcmException("ONNX Runtime failed to run " + modelFile + ": " + e.getMessage(), e);
    } finally {
      for (OnnxTensor t : made) {
        t.close();
      }
      if (result != null) {
        result.close();
      }
    }
  }

  private static OnnxTensor tensor(OrtSession.Result result, String name) {
    OnnxValue v = result.get(name).orElseThrow(() -> new IcmException("the ONNX model returned no " + name));
    return (OnnxTensor) v;
  }

  /** The label row of {@code query} after {@code cache} and the tokens {@code before}. */
  private double[] scoreQuery(Cache cache, long[] before, Example query, LabelSpace space) {
    long[] q = PromptTokens.concat(before, text.prompt(query, space));
    int needed = cache.length + q.length + text.longestLabel(space) - 1;
    if (needed > maxLength) {
      throw new IcmException(
          "the context of example '" + query.id() + "' takes " + needed + " tokens, more than the"
              + " model's limit of " + maxLength + ": use a smaller batch (Icm.Builder.batchSize)"
              + " or shorter prompts",
          query.id(),
          null);
    }
    Step step = forward(q, cache, true);
    try {
      return LabelLogProbs.row(
          query,
          space,
          text,
          vocabularySize,
          step.logits(),
          (step.rows() - 1) * vocabularySize,
          labelPrefix -> {
            // a label's tokens are read in one call, unchunked: every row is needed
            Step rest = run(labelPrefix, step.cache(), true);
            try {
              return rest.logits();
            } finally {
              rest.cache().close();
            }
          });
    } finally {
      step.cache().close();
    }
  }

  // ---------------------------------------------------------------- LabelScorer

  /**
   * {@inheritDoc}
   *
   * <p>The text layer's check ({@link PromptTokens#checkBatch}) against the model's longest context.
   */
  @Override
  public synchronized void checkBatch(LabelSpace labels, List<Example> batch) {
    checkState(!closed, "this OnnxScorer is closed");
    text.checkBatch(labels, batch, maxLength);
  }

  // NullAway: context is set by the first request (lastContext starts null, so it differs)
  @SuppressWarnings("NullAway")
  @Override
  public synchronized ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
    checkState(!closed, "this OnnxScorer is closed");
    long before = tokens;
    List<double[]> rows = new ArrayList<>(requests.size());
    List<LabelledExample> lastContext = null;
    Cache context = null;
    try {
      for (ScoreRequest r : requests) {
        // requests with the same context (e.g. many-shot evaluation) read it once
        if (!r.context().equals(lastContext)) {
          if (context != null && context != empty) {
            context.close();
          }
          long[] demos = text.demos(r.context(), labels);
          context = demos.length == 0 ? empty : forward(demos, empty, false).cache();
          lastContext = r.context();
        }
        rows.add(scoreQuery(context, new long[0], r.query(), labels));
      }
    } finally {
      if (context != null && context != empty) {
        context.close();
      }
    }
    return new ScoreResult(rows, tokens - before);
  }

  // NullAway: a plan's steps name only parents made before them (LeaveOneOutPlan's contract)
  @SuppressWarnings("NullAway")
  @Override
  public synchronized ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
    checkState(!closed, "this OnnxScorer is closed");
    long before = tokens;
    LeaveOneOutPlan plan = LeaveOneOutPlan.of(order, labelled.size());
    double[][] rows = new double[labelled.size()][];
    Map<Integer, Cache> states = new HashMap<>();
    states.put(LeaveOneOutPlan.EMPTY, empty);
    try {
      for (LeaveOneOutPlan.Step step : plan.steps()) {
        if (step instanceof LeaveOneOutPlan.Extend e) {
          states.put(
              e.state(), forward(demos(labelled, e.examples(), labels), states.get(e.parent()), false).cache());
        } else if (step instanceof LeaveOneOutPlan.Query q) {
          rows[q.query()] =
              scoreQuery(
                  states.get(q.parent()),
                  demos(labelled, q.examples(), labels),
                  labelled.get(q.query()).example(),
                  labels);
        } else if (step instanceof LeaveOneOutPlan.Release r) {
          Cache c = states.remove(r.state());
          if (c != null) {
            c.close();
          }
        }
      }
    } finally {
      for (Map.Entry<Integer, Cache> s : states.entrySet()) {
        if (s.getValue() != empty) {
          s.getValue().close();
        }
      }
    }
    return new ScoreResult(Arrays.asList(rows), tokens - before);
  }

  private long[] demos(List<LabelledExample> labelled, List<Integer> indices, LabelSpace space) {
    long[] all = new long[0];
    for (int i : indices) {
      all = PromptTokens.concat(all, text.demo(labelled.get(i), space));
    }
    return all;
  }

  /** The contexts of the text layer's {@link LeaveOneOutPlan} for this scorer's order. */
  @Override
  public List<ScoreRequest> leaveOneOutRequests(List<LabelledExample> labelled) {
    return LeaveOneOutPlan.of(order, labelled.size()).requests(labelled);
  }

  /** Releases the ONNX Runtime session. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    empty.close();
    try {
      session.close();
    } catch (OrtException e) {
      throw new IcmException("cannot close the ONNX Runtime session of " + modelFile + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "OnnxScorer(" + modelFile.getFileName() + ", " + layers + " layers, " + kvHeads
        + " kv heads x " + headDim + (half ? ", float16" : ", float32") + ", " + order + ")";
  }

  /** Configures an {@link OnnxScorer}. Not thread-safe. */
  public static final class Builder {
    private @Nullable Path model;
    private @Nullable Tokenizer tokenizer;
    private PromptLayout layout = PromptLayout.official();
    private LeaveOneOutOrder order = LeaveOneOutOrder.DIVIDE_AND_CONQUER;
    private int maxLength;
    private int threads = 1;
    private int chunkTokens = 256;

    private Builder() {}

    private OrtSession session(OrtSession.SessionOptions.OptLevel level) throws OrtException {
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(level);
        return OrtEnvironment.getEnvironment().createSession(requireNonNull(model).toString(), options);
      }
    }

    /**
     * The {@code .onnx} file (required).
     *
     * @param onnxFile the {@code .onnx} file (required)
     * @return this builder
     */
    public Builder model(Path onnxFile) {
      this.model = requireNonNull(onnxFile, "onnxFile");
      return this;
    }

    /**
     * The model's tokenizer (required).
     *
     * @param tokenizer the model's tokenizer (required)
     * @return this builder
     */
    public Builder tokenizer(Tokenizer tokenizer) {
      this.tokenizer = requireNonNull(tokenizer, "tokenizer");
      return this;
    }

    /**
     * The prompt layout; default {@link PromptLayout#official()}.
     *
     * @param layout the prompt layout
     * @return this builder
     */
    public Builder layout(PromptLayout layout) {
      this.layout = requireNonNull(layout, "layout");
      return this;
    }

    /**
     * How leave-one-out work is shared; default {@link LeaveOneOutOrder#DIVIDE_AND_CONQUER}.
     *
     * @param order how leave-one-out work is shared
     * @return this builder
     */
    public Builder leaveOneOut(LeaveOneOutOrder order) {
      this.order = requireNonNull(order, "order");
      return this;
    }

    /**
     * The longest context (cached plus new tokens) the model accepts; default the {@code
     * max_position_embeddings} of the {@code config.json} next to the model or one directory up.
     *
     * @param tokens the longest context (cached plus new tokens) the model accepts
     * @return this builder
     */
    public Builder maxLength(int tokens) {
      if (tokens < 1) {
        throw new IllegalArgumentException("maxLength must be >= 1, but was " + tokens);
      }
      this.maxLength = tokens;
      return this;
    }

    /**
     * The most tokens read in one model call (default 256): a longer context is read in chunks,
     * each extending the key/value cache, because an ONNX decoder returns the logits of every token
     * it reads ({@code tokens x vocabulary} floats: 2000 tokens of a 150,000-token vocabulary would
     * be 1.2 GB). The results are the same up to float rounding.
     *
     * @param tokens the most tokens read in one model call (default 256)
     * @return this builder
     */
    public Builder chunkTokens(int tokens) {
      if (tokens < 1) {
        throw new IllegalArgumentException("chunkTokens must be >= 1, but was " + tokens);
      }
      this.chunkTokens = tokens;
      return this;
    }

    /**
     * ONNX Runtime's intra-op threads; default 1 (icm4j's calls are small and sequential).
     *
     * @param threads ONNX Runtime's intra-op threads
     * @return this builder
     */
    public Builder threads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1, but was " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Loads the model into an ONNX Runtime session and reads its layout.
     *
     * @throws IllegalStateException when the model or the tokenizer is missing
     * @throws IcmException naming the file when it is missing, cannot be loaded, or is not in the
     *     decoder layout
     *
     * @return the scorer
     */
    public OnnxScorer build() {
      checkState(model != null, "no model set: call model(Path), e.g. dir.resolve(\"onnx/model.onnx\")");
      checkState(tokenizer != null, "no tokenizer set: call tokenizer(org.icm4j.text.Tokenizer)");
      if (!Files.isRegularFile(model)) {
        throw new IcmException(
            "ONNX model file " + model + " does not exist: give the path of the .onnx file (e.g."
                + " onnx/model.onnx in an onnx-community model directory)");
      }
      OrtSession session = null;
      try {
        try {
          session = session(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        } catch (OrtException e) {
          if (e.getMessage() == null || !e.getMessage().contains("InsertedPrecisionFreeCast")) {
            throw e;
          }
          // ONNX Runtime's CPU provider runs float16 graphs by inserting casts to float32, and its
          // extended fusions (SimplifiedLayerNormFusion) then fail to initialize on some graphs
          // (seen with 1.23.2 on the fixtures' fp16 RMSNorm); the basic optimizations work
          LOG.log(
              System.Logger.Level.WARNING,
              "ONNX Runtime cannot apply its extended optimizations to {0} ({1}); loading it with"
                  + " the basic ones",
              model,
              e.getMessage());
          session = session(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
        }
        OnnxScorer scorer = new OnnxScorer(this, session, model);
        session = null;
        return scorer;
      } catch (OrtException e) {
        throw new IcmException(
            "cannot load ONNX model " + model + " (" + e.getMessage() + "): it must be an ONNX"
                + " decoder export, e.g. optimum-cli export onnx --task text-generation-with-past",
            e);
      } finally {
        if (session != null) {
          try {
            session.close();
          } catch (OrtException ignored) {
            // the load already failed; that error is the one to report
          }
        }
      }
    }
  }
}
