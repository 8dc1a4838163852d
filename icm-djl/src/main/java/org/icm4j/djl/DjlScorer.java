package org.icm4j.djl;

import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.jspecify.annotations.Nullable;

/**
 * A {@link LabelScorer} for causal language models on DJL: the exact log-probability of each
 * label's tokens (summed over multi-token labels, normalized over the full vocabulary) after the
 * demonstrations and the query, laid out by a {@link PromptLayout}. Prompts, labels and the
 * leave-one-out orders come from icm-core's text layer ({@link PromptTokens}, {@link
 * LeaveOneOutPlan}): this class only runs the model.
 *
 * <p>Leave-one-out scoring ({@link #scoreLeaveOneOut}) shares work between the n queries; see
 * {@link LeaveOneOut}. With {@link LeaveOneOut#DIVIDE_AND_CONQUER} (the default) each half of the
 * examples is encoded once as the prefix of the other half, recursively: about {@code n (log2 n +
 * 1)} example encodings instead of the official code's {@code n (n - 1)}. The context of each query
 * then holds exactly all the other examples, in the order {@link #leaveOneOutRequests} lists.
 *
 * <p>On a {@link BlockLm}, calls run as batched forwards ({@link Builder#batched}, the default):
 * the reads of the plan whose context is ready run together, up to {@link
 * Builder#maxBatchTokens} tokens per forward, sharing the keys and values of their common
 * prefixes, and the LM head runs only where a label is read; the label log-probabilities are those
 * of the one-read-at-a-time path up to float rounding (docs/djl.md, "Batched forwards").
 *
 * <p>Thread-safe: calls are serialized (a DJL model runs one call at a time). Close it to release
 * the model and tokenizer it owns.
 *
 * <pre>{@code
 * try (DjlScorer scorer = DjlScorer.builder()
 *     .model(TorchScriptLm.load(modelDir))
 *     .tokenizer(TextTokenizer.huggingFace(modelDir.resolve("tokenizer.json")))
 *     .build()) {
 *   IcmResult result = Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).seed(1).build().run(examples);
 * }
 * }</pre>
 */
public final class DjlScorer implements LabelScorer, AutoCloseable {

  /**
   * How {@link #scoreLeaveOneOut} shares work between its n queries: each constant names the text
   * layer's {@link LeaveOneOutOrder} of the same name, whose {@link LeaveOneOutPlan} the scorer
   * runs.
   */
  public enum LeaveOneOut {
    /** {@link LeaveOneOutOrder#PLAIN}: every query reads its whole context (the reference). */
    PLAIN(LeaveOneOutOrder.PLAIN),
    /** {@link LeaveOneOutOrder#SHARED_PREFIX}: the common prefix is read once and extended. */
    SHARED_PREFIX(LeaveOneOutOrder.SHARED_PREFIX),
    /**
     * {@link LeaveOneOutOrder#DIVIDE_AND_CONQUER} (default): each half of the examples is read once
     * as the prefix of the other half, recursively.
     */
    DIVIDE_AND_CONQUER(LeaveOneOutOrder.DIVIDE_AND_CONQUER);

    private final LeaveOneOutOrder order;

    LeaveOneOut(LeaveOneOutOrder order) {
      this.order = order;
    }

    /**
     * The text layer's order.
     *
     * @return the text layer's order
     */
    public LeaveOneOutOrder order() {
      return order;
    }
  }

  /** Default of {@link Builder#maxBatchTokens}. */
  public static final int DEFAULT_MAX_BATCH_TOKENS = 1024;

  static {
    DjlStartup.prepare();
  }

  private final CausalLm model;
  private final TextTokenizer tokenizer;
  private final PromptTokens text;
  private final LeaveOneOut mode;
  private final boolean ownsResources;
  private final boolean batched;
  private final int maxBatchTokens;
  private final NDManager base;
  private long tokens;
  private long forwards;
  private long peakCachedTokens;
  private boolean closed;

  private DjlScorer(Builder b) {
    this.model = requireNonNull(b.model);
    this.tokenizer = requireNonNull(b.tokenizer);
    this.mode = b.mode;
    this.ownsResources = b.ownsResources;
    this.batched = b.batched;
    this.maxBatchTokens = b.maxBatchTokens;
    this.base = NDManager.newBaseManager(model.device());
    this.text = PromptTokens.of(b.template, tokenizer, model.vocabularySize());
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
   * The most tokens whose keys and values one batched call kept at once, over the calls so far
   * (0 when none ran batched); for the benchmarks' memory figures.
   */
  synchronized long peakCachedTokens() {
    return peakCachedTokens;
  }

  /**
   * What {@link #peakCachedTokens()} a batched leave-one-out call over {@code labelled} reaches,
   * found by running its schedule without the model.
   */
  long peakCachedTokensWithoutModel(LabelSpace labels, List<LabelledExample> labelled) {
    BatchedSweep sweep = new BatchedSweep(requireNonNull(batchedModel()), maxBatchTokens);
    buildLeaveOneOut(sweep, LeaveOneOutPlan.of(mode.order(), labelled.size()), labels, labelled);
    return sweep.peakCachedTokensWithoutModel();
  }

  /** Model calls (forwards, batched or not) made so far. */
  public synchronized long forwards() {
    return forwards;
  }

  /** Token-forwards spent so far (tokens run through the model, counting re-read ones). */
  public synchronized long tokensForwarded() {
    return tokens;
  }

  // ---------------------------------------------------------------- tokens

  private long[] labelTokens(String label) {
    return text.label(label);
  }

  private long[] promptTokens(Example e, LabelSpace space) {
    return text.prompt(e, space);
  }

  private long[] demos(List<LabelledExample> context, LabelSpace space) {
    return text.demos(context, space);
  }

  private static long[] concat(long[] a, long[] b) {
    return PromptTokens.concat(a, b);
  }

  // ---------------------------------------------------------------- model calls

  private CausalLm.Step forward(NDManager manager, long[] ids, @Nullable KvCache cache) {
    int cached = cache == null ? 0 : cache.length();
    if (cached + ids.length > model.maxLength()) {
      throw new IcmException(
          "a context of " + (cached + ids.length) + " tokens exceeds the model's limit of "
              + model.maxLength() + " tokens: use a smaller batch (Icm.Builder.batchSize) or"
              + " shorter prompts");
    }
    CausalLm.Step step = model.forward(manager, ids, cache);
    Shape shape = step.logits().getShape();
    if (shape.dimension() != 2 || shape.get(0) != ids.length || shape.get(1) != model.vocabularySize()) {
      throw new IcmException(
          "the model " + model + " returned logits of shape " + shape + " for " + ids.length
              + " tokens; expected (" + ids.length + ", " + model.vocabularySize() + ")");
    }
    tokens += model.reusesKeysAndValues() ? ids.length : cached + ids.length;
    forwards++;
    return step;
  }

  /** Extends a cache by some tokens (returns the cache itself when there are none). */
  private @Nullable KvCache extend(NDManager manager, @Nullable KvCache cache, long[] ids) {
    return ids.length == 0 ? cache : forward(manager, ids, cache).cache();
  }

  /** The label row of {@code query} after the tokens {@code cache} covers (plus {@code before}). */
  private double[] scoreQuery(
      NDManager parent, @Nullable KvCache cache, long[] before, Example query, LabelSpace space) {
    try (NDManager m = parent.newSubManager()) {
      long[] q = concat(before, promptTokens(query, space));
      int longestLabel = 0;
      for (String l : space.names()) {
        longestLabel = Math.max(longestLabel, labelTokens(l).length);
      }
      int cached = cache == null ? 0 : cache.length();
      if (cached + q.length + longestLabel - 1 > model.maxLength()) {
        throw new IcmException(
            "the context of example '" + query.id() + "' takes " + (cached + q.length + longestLabel - 1)
                + " tokens, more than the model's limit of " + model.maxLength()
                + ": use a smaller batch (Icm.Builder.batchSize) or shorter prompts",
            query.id(),
            null);
      }
      CausalLm.Step step = forward(m, q, cache);
      return LabelLogProbs.row(
          query, space, text, model.vocabularySize(), step.logits().get(q.length - 1).toFloatArray(), 0,
          labelPrefix -> forward(m, labelPrefix, step.cache()).logits().toFloatArray());
    }
  }

  // ---------------------------------------------------------------- LabelScorer

  /**
   * {@inheritDoc}
   *
   * <p>Tokenizes every prompt of the batch (checking each as scoring would) and fails when the
   * longest context the search can ask for does not fit the model: every other example of the
   * batch as a demonstration with the label of most tokens, then the query and that label.
   *
   * @throws IcmException naming the batch size, the tokens needed, the model's limit and a batch
   *     size that fits; or naming the example whose prompt alone does not fit
   */
  @Override
  public synchronized void checkBatch(LabelSpace labels, List<Example> batch) {
    checkState(!closed, "this DjlScorer is closed");
    text.checkBatch(labels, batch, model.maxLength());
  }

  @Override
  public synchronized ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
    checkState(!closed, "this DjlScorer is closed");
    long before = tokens;
    if (batchedModel() != null) {
      return new ScoreResult(Arrays.asList(batchedRequests(labels, requests)), tokens - before);
    }
    List<double[]> rows = new ArrayList<>(requests.size());
    try (NDManager call = base.newSubManager()) {
      List<LabelledExample> lastContext = null;
      KvCache contextCache = null;
      NDManager contextManager = null;
      for (ScoreRequest r : requests) {
        if (model.reusesKeysAndValues()) {
          // requests with the same context (e.g. many-shot evaluation) read it once
          if (!r.context().equals(lastContext)) {
            if (contextManager != null) {
              contextManager.close();
            }
            contextManager = call.newSubManager();
            contextCache = extend(contextManager, null, demos(r.context(), labels));
            lastContext = r.context();
          }
          rows.add(scoreQuery(call, contextCache, new long[0], r.query(), labels));
        } else {
          rows.add(scoreQuery(call, null, demos(r.context(), labels), r.query(), labels));
        }
      }
    }
    return new ScoreResult(rows, tokens - before);
  }

  @Override
  public synchronized ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
    checkState(!closed, "this DjlScorer is closed");
    int n = labelled.size();
    long before = tokens;
    LeaveOneOutPlan plan = LeaveOneOutPlan.of(mode.order(), n);
    if (batchedModel() != null) {
      return new ScoreResult(Arrays.asList(batchedLeaveOneOut(plan, labels, labelled)), tokens - before);
    }
    double[][] rows = new double[n][];
    Map<Integer, NDManager> managers = new HashMap<>();
    Map<Integer, @Nullable KvCache> caches = new HashMap<>();
    caches.put(LeaveOneOutPlan.EMPTY, null);
    try (NDManager call = base.newSubManager()) {
      for (LeaveOneOutPlan.Step step : plan.steps()) {
        if (step instanceof LeaveOneOutPlan.Extend e) {
          NDManager m = call.newSubManager();
          managers.put(e.state(), m);
          caches.put(e.state(), extend(m, caches.get(e.parent()), demos(labelled, e.examples(), labels)));
        } else if (step instanceof LeaveOneOutPlan.Query q) {
          rows[q.query()] =
              scoreQuery(
                  call,
                  caches.get(q.parent()),
                  demos(labelled, q.examples(), labels),
                  labelled.get(q.query()).example(),
                  labels);
        } else if (step instanceof LeaveOneOutPlan.Release r) {
          caches.remove(r.state());
          NDManager m = managers.remove(r.state());
          if (m != null) {
            m.close();
          }
        }
      }
    }
    return new ScoreResult(Arrays.asList(rows), tokens - before);
  }

  // ---------------------------------------------------------------- batched path

  /** The model when calls run batched (a {@link BlockLm} and {@code batched(true)}), else null. */
  private @Nullable BlockLm batchedModel() {
    return batched && model instanceof BlockLm block ? block : null;
  }

  private long[][] labelTokenArrays(LabelSpace space) {
    long[][] out = new long[space.size()][];
    for (int k = 0; k < space.size(); k++) {
      out[k] = labelTokens(space.name(k));
    }
    return out;
  }

  /** The leave-one-out plan as a tree of reads run in batched forwards ({@link BatchedSweep}). */
  private double[][] batchedLeaveOneOut(
      LeaveOneOutPlan plan, LabelSpace labels, List<LabelledExample> labelled) {
    BatchedSweep sweep = new BatchedSweep(requireNonNull(batchedModel()), maxBatchTokens);
    String[] ids = buildLeaveOneOut(sweep, plan, labels, labelled);
    return runSweep(sweep, labelled.size(), labels, labelTokenArrays(labels), ids);
  }

  private String[] buildLeaveOneOut(
      BatchedSweep sweep, LeaveOneOutPlan plan, LabelSpace labels, List<LabelledExample> labelled) {
    long[][] labelToks = labelTokenArrays(labels);
    Map<Integer, BatchedSweep.@Nullable Node> states = new HashMap<>();
    states.put(LeaveOneOutPlan.EMPTY, null);
    String[] ids = new String[labelled.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = labelled.get(i).example().id();
    }
    for (LeaveOneOutPlan.Step step : plan.steps()) {
      if (step instanceof LeaveOneOutPlan.Extend e) {
        BatchedSweep.Node parent = states.get(e.parent());
        long[] demoTokens = demos(labelled, e.examples(), labels);
        checkFits(parent, demoTokens.length);
        states.put(e.state(), sweep.read(parent, demoTokens));
      } else if (step instanceof LeaveOneOutPlan.Query q) {
        Example query = labelled.get(q.query()).example();
        long[] ids2 = concat(demos(labelled, q.examples(), labels), promptTokens(query, labels));
        addQuery(sweep, states.get(q.parent()), ids2, q.query(), query, labels, labelToks);
      }
    }
    return ids;
  }

  /** Explicit requests in batched forwards; consecutive requests with one context share it. */
  private double[][] batchedRequests(LabelSpace labels, List<ScoreRequest> requests) {
    BatchedSweep sweep = new BatchedSweep(requireNonNull(batchedModel()), maxBatchTokens);
    long[][] labelToks = labelTokenArrays(labels);
    String[] ids = new String[requests.size()];
    List<LabelledExample> lastContext = null;
    BatchedSweep.Node context = null;
    for (int i = 0; i < requests.size(); i++) {
      ScoreRequest r = requests.get(i);
      ids[i] = r.query().id();
      if (!r.context().equals(lastContext)) {
        long[] demoTokens = demos(r.context(), labels);
        checkFits(null, demoTokens.length);
        context = sweep.read(null, demoTokens);
        lastContext = r.context();
      }
      addQuery(sweep, context, promptTokens(r.query(), labels), i, r.query(), labels, labelToks);
    }
    return runSweep(sweep, requests.size(), labels, labelToks, ids);
  }

  private void checkFits(BatchedSweep.@Nullable Node parent, int more) {
    int cached = parent == null ? 0 : parent.end();
    if (cached + more > model.maxLength()) {
      throw new IcmException(
          "a context of " + (cached + more) + " tokens exceeds the model's limit of "
              + model.maxLength() + " tokens: use a smaller batch (Icm.Builder.batchSize) or"
              + " shorter prompts");
    }
  }

  private void addQuery(
      BatchedSweep sweep,
      BatchedSweep.@Nullable Node parent,
      long[] ids,
      int index,
      Example query,
      LabelSpace space,
      long[][] labelToks) {
    int longestLabel = 0;
    for (long[] l : labelToks) {
      longestLabel = Math.max(longestLabel, l.length);
    }
    int cached = parent == null ? 0 : parent.end();
    if (cached + ids.length + longestLabel - 1 > model.maxLength()) {
      throw new IcmException(
          "the context of example '" + query.id() + "' takes " + (cached + ids.length + longestLabel - 1)
              + " tokens, more than the model's limit of " + model.maxLength()
              + ": use a smaller batch (Icm.Builder.batchSize) or shorter prompts",
          query.id(),
          null);
    }
    sweep.query(parent, ids, index, labelToks);
  }

  private double[][] runSweep(
      BatchedSweep sweep, int queries, LabelSpace labels, long[][] labelToks, String[] ids) {
    try (NDManager call = base.newSubManager()) {
      double[][] rows = sweep.run(call, queries, labels, labelToks, ids);
      return rows;
    } finally {
      tokens += sweep.tokens();
      forwards += sweep.forwards();
      peakCachedTokens = Math.max(peakCachedTokens, sweep.peakCachedTokens());
    }
  }

  private long[] demos(List<LabelledExample> labelled, List<Integer> indices, LabelSpace space) {
    long[] all = new long[0];
    for (int i : indices) {
      all = concat(all, text.demo(labelled.get(i), space));
    }
    return all;
  }

  /**
   * The explicit requests {@link #scoreLeaveOneOut} stands for: the contexts of the text layer's
   * {@link LeaveOneOutPlan} for this scorer's order. With {@link LeaveOneOut#DIVIDE_AND_CONQUER},
   * the context of example {@code i} is, from the outermost level of the recursion inwards, the
   * half not holding {@code i}; otherwise the other examples in their given order.
   */
  @Override
  public List<ScoreRequest> leaveOneOutRequests(List<LabelledExample> labelled) {
    return LeaveOneOutPlan.of(mode.order(), labelled.size()).requests(labelled);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The model's own entries ({@link CausalLm#identity()}: {@code modelDigest} for a {@link
   * TorchScriptLm}, {@code parametersDigest} for a {@link BlockLm}) and {@code vocabularySize}.
   */
  @Override
  public synchronized Map<String, String> identity() {
    checkState(!closed, "this DjlScorer is closed");
    Map<String, String> id = new java.util.TreeMap<>(model.identity());
    id.put("vocabularySize", String.valueOf(model.vocabularySize()));
    return java.util.Collections.unmodifiableMap(id);
  }

  /**
   * The leave-one-out order this scorer runs.
   *
   * @return the leave-one-out order this scorer runs
   */
  public LeaveOneOutOrder leaveOneOutOrder() {
    return mode.order();
  }

  /** Releases the scorer's arrays, and the model and tokenizer when it owns them. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    base.close();
    if (ownsResources) {
      model.close();
      tokenizer.close();
    }
  }

  @Override
  public String toString() {
    return "DjlScorer(" + model + ", " + tokenizer + ", " + mode + ")";
  }

  /** Configures a {@link DjlScorer}. Not thread-safe. */
  public static final class Builder {
    private @Nullable CausalLm model;
    private @Nullable TextTokenizer tokenizer;
    private PromptLayout template = PromptLayout.official();
    private LeaveOneOut mode = LeaveOneOut.DIVIDE_AND_CONQUER;
    private boolean ownsResources = true;
    private boolean batched = true;
    private int maxBatchTokens = DEFAULT_MAX_BATCH_TOKENS;

    private Builder() {}

    /**
     * The model (required).
     *
     * @param model the model (required)
     * @return this builder
     */
    public Builder model(CausalLm model) {
      this.model = requireNonNull(model, "model");
      return this;
    }

    /**
     * The model's tokenizer (required).
     *
     * @param tokenizer the model's tokenizer (required)
     * @return this builder
     */
    public Builder tokenizer(TextTokenizer tokenizer) {
      this.tokenizer = requireNonNull(tokenizer, "tokenizer");
      return this;
    }

    /**
     * The prompt layout; default {@link PromptLayout#official()}.
     *
     * @param template the prompt layout
     * @return this builder
     */
    public Builder template(PromptLayout template) {
      this.template = requireNonNull(template, "template");
      return this;
    }

    /**
     * How leave-one-out work is shared; default {@link LeaveOneOut#DIVIDE_AND_CONQUER}.
     *
     * @param mode how leave-one-out work is shared
     * @return this builder
     */
    public Builder leaveOneOut(LeaveOneOut mode) {
      this.mode = requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Whether calls run as batched forwards (default {@code true}): the reads of a leave-one-out
     * plan (or of a call's requests) whose context has been read run together, as many as fit in
     * {@link #maxBatchTokens}, sharing the keys and values of their common prefixes; the LM head
     * runs only where a label is read. The label log-probabilities are those of the one-read-at-a-time
     * path ({@code false}) up to float rounding. Batched forwards need a {@link BlockLm}; other
     * models run one read at a time either way.
     */
    public Builder batched(boolean batched) {
      this.batched = batched;
      return this;
    }

    /**
     * The most tokens one batched forward reads (default {@value #DEFAULT_MAX_BATCH_TOKENS}),
     * counted with padding: reads times the longest read's tokens. A longer read is split into
     * pieces of at most this many tokens. It bounds the memory of one forward's activations
     * (attention among the new tokens takes {@code heads x maxBatchTokens x longest read} floats);
     * larger values give larger matrix products.
     *
     * @throws IllegalArgumentException when {@code tokens < 1}
     */
    public Builder maxBatchTokens(int tokens) {
      if (tokens < 1) {
        throw new IllegalArgumentException(
            "maxBatchTokens must be >= 1, but was " + tokens + ": give the most tokens one batched"
                + " forward may read, e.g. " + DEFAULT_MAX_BATCH_TOKENS);
      }
      this.maxBatchTokens = tokens;
      return this;
    }

    /** Whether closing the scorer closes the model and tokenizer (default true). */
    public Builder ownsResources(boolean owns) {
      this.ownsResources = owns;
      return this;
    }

    /**
     * Builds the scorer. Unless chosen before in this JVM, this first applies icm-djl's PyTorch
     * thread counts ({@link PyTorchThreads}: one intra-op thread, measured fastest for its calls).
     *
     * @throws IllegalStateException when the model or the tokenizer is missing
     *
     * @return the scorer
     */
    public DjlScorer build() {
      checkState(model != null, "no model set: call model(CausalLm), e.g. TorchScriptLm.load(dir)");
      checkState(
          tokenizer != null,
          "no tokenizer set: call tokenizer(TextTokenizer), e.g."
              + " TextTokenizer.huggingFace(dir.resolve(\"tokenizer.json\"))");
      PyTorchThreads.applyDefaults();
      return new DjlScorer(this);
    }
  }
}
