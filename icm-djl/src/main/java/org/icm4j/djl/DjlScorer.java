package org.icm4j.djl;

import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
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
import org.jspecify.annotations.Nullable;

/**
 * A {@link LabelScorer} for causal language models on DJL: the exact log-probability of each
 * label's tokens (summed over multi-token labels, normalized over the full vocabulary) after the
 * demonstrations and the query, laid out by a {@link PromptTemplate}.
 *
 * <p>Leave-one-out scoring ({@link #scoreLeaveOneOut}) shares work between the n queries; see
 * {@link LeaveOneOut}. With {@link LeaveOneOut#DIVIDE_AND_CONQUER} (the default) each half of the
 * examples is encoded once as the prefix of the other half, recursively: about {@code n (log2 n +
 * 1)} example encodings instead of the official code's {@code n (n - 1)}. The context of each query
 * then holds exactly all the other examples, in the order {@link #leaveOneOutRequests} lists.
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

  /** How {@link #scoreLeaveOneOut} shares work between its n queries. */
  public enum LeaveOneOut {
    /** The official pattern: every query reads its whole context from scratch (the reference). */
    PLAIN,
    /**
     * Contexts in the given order; the keys and values of the common prefix (examples before the
     * query) are computed once and extended, the rest of each context is read per query.
     */
    SHARED_PREFIX,
    /**
     * Each half of the examples is encoded once as the prefix of the other half, recursively
     * (default). The context order of each query follows the recursion.
     */
    DIVIDE_AND_CONQUER
  }

  static {
    DjlStartup.prepare();
  }

  private final CausalLm model;
  private final TextTokenizer tokenizer;
  private final PromptTemplate template;
  private final LeaveOneOut mode;
  private final boolean ownsResources;
  private final NDManager base;
  // keyed by the prompt text and the label names checked against it, not by example id: two
  // examples (of two data sets, say) may share an id and differ in prompt
  private final Map<String, long[]> promptTokens = new HashMap<>();
  private final Map<String, long[]> labelTokens = new HashMap<>();
  private final long[] separatorTokens;
  private long tokens;
  private boolean closed;

  private DjlScorer(Builder b) {
    this.model = requireNonNull(b.model);
    this.tokenizer = requireNonNull(b.tokenizer);
    this.template = b.template;
    this.mode = b.mode;
    this.ownsResources = b.ownsResources;
    this.base = NDManager.newBaseManager(model.device());
    this.separatorTokens = tokenizer.encode(template.separator());
  }

  /** A builder; {@link Builder#model} and {@link Builder#tokenizer} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Token-forwards spent so far (tokens run through the model, counting re-read ones). */
  public synchronized long tokensForwarded() {
    return tokens;
  }

  // ---------------------------------------------------------------- tokens

  private long[] labelTokens(String label) {
    return labelTokens.computeIfAbsent(
        label,
        l -> {
          String text = template.verbalize(l);
          long[] ids = tokenizer.encode(text);
          if (ids.length == 0) {
            throw new IcmException(
                "label '" + l + "' (text '" + text + "') has no tokens: give it a verbalizer the"
                    + " tokenizer " + tokenizer + " can encode");
          }
          for (long id : ids) {
            if (tokenizer.isUnknown(id)) {
              throw new IcmException(
                  "the tokenizer " + tokenizer + " has no tokens for label '" + l + "' (text '"
                      + text + "' encodes to the unknown token): use a verbalizer made of tokens"
                      + " of its vocabulary");
            }
            checkId(id, "label '" + l + "'");
          }
          return ids;
        });
  }

  private long[] promptTokens(Example e, LabelSpace space) {
    String prompt = template.query(e);
    String key = prompt + '\u0000' + String.join("\u0000", space.names());
    long[] cached = promptTokens.get(key);
    if (cached != null) {
      return cached;
    }
    long[] ids = tokenizer.encode(prompt);
    if (ids.length == 0) {
      throw new IcmException(
          "the prompt of example '" + e.id() + "' has no tokens under " + tokenizer
              + ": give it a non-blank prompt",
          e.id(),
          null);
    }
    for (long id : ids) {
      checkId(id, "the prompt of example '" + e.id() + "'");
    }
    if (!prompt.isEmpty() && isSpace(prompt.codePointBefore(prompt.length()))) {
      throw new IcmException(
          "the prompt of example '" + e.id() + "' ends with whitespace (\"" + ending(prompt)
              + "\"): end prompts without a trailing space or line break and let the label's"
              + " text carry the space (the verbalizer \"" + template.verbalize(space.name(0))
              + "\"); otherwise the model reads two spaces before the label",
          e.id(),
          null);
    }
    for (String label : space.names()) {
      String text = prompt + template.verbalize(label);
      long[] joint = tokenizer.encode(text);
      long[] asDemo = tokenizer.encode(text + template.separator());
      if (!Arrays.equals(joint, concat(ids, labelTokens(label)))
          || !Arrays.equals(asDemo, concat(joint, separatorTokens))) {
        throw new IcmException(
            "label '" + label + "' tokenizes differently after the prompt of example '" + e.id()
                + "' than alone (" + Arrays.toString(labelTokens(label)) + " alone, "
                + Arrays.toString(Arrays.copyOfRange(joint, Math.min(ids.length, joint.length), joint.length))
                + " in context): end prompts without a trailing space and give verbalizers a"
                + " leading space (\" True\"), or change the verbalizer",
            e.id(),
            null);
      }
    }
    promptTokens.put(key, ids);
    return ids;
  }

  private static boolean isSpace(int codePoint) {
    return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint);
  }

  /** The last characters of a prompt, with line breaks and tabs written as escapes. */
  private static String ending(String prompt) {
    String tail = prompt.length() <= 24 ? prompt : "…" + prompt.substring(prompt.length() - 24);
    return tail.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
  }

  private void checkId(long id, String what) {
    if (id < 0 || id >= model.vocabularySize()) {
      throw new IcmException(
          what + " has token id " + id + ", outside the model's vocabulary of "
              + model.vocabularySize() + ": the tokenizer does not belong to this model");
    }
  }

  /** Tokens of one demonstration: prompt, label, separator. */
  private long[] demo(LabelledExample d, LabelSpace space) {
    return concat(concat(promptTokens(d.example(), space), labelTokens(d.label())), separatorTokens);
  }

  private static long[] concat(long[] a, long[] b) {
    long[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
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
    return step;
  }

  /** Extends a cache by some tokens (returns the cache itself when there are none). */
  private @Nullable KvCache extend(NDManager manager, @Nullable KvCache cache, long[] ids) {
    return ids.length == 0 ? cache : forward(manager, ids, cache).cache();
  }

  private static double[] logSoftmax(NDArray logits, int row) {
    float[] v = logits.get(row).toFloatArray();
    double max = Double.NEGATIVE_INFINITY;
    for (float x : v) {
      max = Math.max(max, x);
    }
    double z = 0;
    for (float x : v) {
      z += Math.exp(x - max);
    }
    double log = max + Math.log(z);
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] - log;
    }
    return out;
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
      double[] first = logSoftmax(step.logits(), q.length - 1);
      double[] row = new double[space.size()];
      for (int k = 0; k < space.size(); k++) {
        long[] lt = labelTokens(space.name(k));
        double lp = first[(int) lt[0]];
        if (lt.length > 1) {
          CausalLm.Step rest = forward(m, Arrays.copyOf(lt, lt.length - 1), step.cache());
          for (int j = 1; j < lt.length; j++) {
            lp += logSoftmax(rest.logits(), j - 1)[(int) lt[j]];
          }
        }
        if (!Double.isFinite(lp)) {
          throw new IcmException(
              "the model gave label '" + space.name(k) + "' of example '" + query.id()
                  + "' a log-probability of " + lp + ": the model's logits are not finite",
              query.id(),
              null);
        }
        row[k] = lp;
      }
      return row;
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
    if (batch.isEmpty()) {
      return;
    }
    int longestLabel = 0;
    for (String l : labels.names()) {
      longestLabel = Math.max(longestLabel, labelTokens(l).length);
    }
    int n = batch.size();
    long[] demos = new long[n];
    long total = 0;
    int widest = 0;
    for (int i = 0; i < n; i++) {
      demos[i] = promptTokens(batch.get(i), labels).length + longestLabel + separatorTokens.length;
      total += demos[i];
      if (demos[i] > demos[widest]) {
        widest = i;
      }
    }
    // query i: the others' demonstrations, then its prompt and the label minus its last token
    long overhead = separatorTokens.length + 1;
    long longest = total - overhead;
    int limit = model.maxLength();
    if (longest <= limit) {
      return;
    }
    if (demos[widest] - overhead > limit) {
      Example e = batch.get(widest);
      throw new IcmException(
          "the prompt of example '" + e.id() + "' with the longest label takes "
              + (demos[widest] - overhead) + " tokens, more than the model's limit of " + limit
              + ": shorten its prompt or use a model with a longer context",
          e.id(),
          null);
    }
    long[] sorted = demos.clone();
    Arrays.sort(sorted);
    int fits = 0;
    long sum = 0;
    for (int i = n - 1; i >= 0 && sum + sorted[i] - overhead <= limit; i--) {
      sum += sorted[i];
      fits++;
    }
    throw new IcmException(
        "a batch of " + n + " examples can need a context of " + longest + " tokens (" + (n - 1)
            + " demonstrations and a query, with the longest label), more than the model's limit"
            + " of " + limit + ": use a smaller batch (Icm.Builder.batchSize(" + fits + ") fits any "
            + fits + " of these examples) or shorter prompts",
        batch.get(widest).id(),
        null);
  }

  @Override
  public synchronized ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
    checkState(!closed, "this DjlScorer is closed");
    long before = tokens;
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

  private long[] demos(List<LabelledExample> context, LabelSpace space) {
    long[] all = new long[0];
    for (LabelledExample d : context) {
      all = concat(all, demo(d, space));
    }
    return all;
  }

  @Override
  public synchronized ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
    checkState(!closed, "this DjlScorer is closed");
    int n = labelled.size();
    long before = tokens;
    long[][] demoTokens = new long[n][];
    for (int i = 0; i < n; i++) {
      demoTokens[i] = demo(labelled.get(i), labels);
    }
    double[][] rows = new double[n][];
    try (NDManager call = base.newSubManager()) {
      switch (mode) {
        case PLAIN:
          List<ScoreRequest> requests = leaveOneOutRequests(labelled);
          for (int i = 0; i < n; i++) {
            ScoreRequest r = requests.get(i);
            rows[i] = scoreQuery(call, null, demos(r.context(), labels), r.query(), labels);
          }
          break;
        case SHARED_PREFIX:
          sharedPrefix(call, labelled, demoTokens, labels, rows);
          break;
        case DIVIDE_AND_CONQUER:
          divideAndConquer(call, null, labelled, demoTokens, labels, rows, 0, n);
          break;
        default:
          throw new AssertionError(mode);
      }
    }
    return new ScoreResult(Arrays.asList(rows), tokens - before);
  }

  private void sharedPrefix(
      NDManager call, List<LabelledExample> labelled, long[][] demoTokens, LabelSpace space, double[][] rows) {
    int n = labelled.size();
    NDManager prefixManager = call.newSubManager();
    KvCache prefix = null;
    try {
      for (int i = 0; i < n; i++) {
        long[] rest = new long[0];
        for (int j = i + 1; j < n; j++) {
          rest = concat(rest, demoTokens[j]);
        }
        if (model.reusesKeysAndValues()) {
          try (NDManager m = call.newSubManager()) {
            KvCache context = extend(m, prefix, rest);
            rows[i] = scoreQuery(m, context, new long[0], labelled.get(i).example(), space);
          }
        } else {
          rows[i] = scoreQuery(call, prefix, rest, labelled.get(i).example(), space);
        }
        if (i < n - 1) {
          NDManager next = call.newSubManager();
          prefix = extend(next, prefix, demoTokens[i]);
          prefixManager.close();
          prefixManager = next;
        }
      }
    } finally {
      prefixManager.close();
    }
  }

  private void divideAndConquer(
      NDManager parent,
      @Nullable KvCache cache,
      List<LabelledExample> labelled,
      long[][] demoTokens,
      LabelSpace space,
      double[][] rows,
      int lo,
      int hi) {
    if (hi - lo == 1) {
      rows[lo] = scoreQuery(parent, cache, new long[0], labelled.get(lo).example(), space);
      return;
    }
    int mid = (lo + hi) >>> 1;
    try (NDManager m = parent.newSubManager()) {
      KvCache right = extend(m, cache, range(demoTokens, mid, hi));
      divideAndConquer(m, right, labelled, demoTokens, space, rows, lo, mid);
    }
    try (NDManager m = parent.newSubManager()) {
      KvCache left = extend(m, cache, range(demoTokens, lo, mid));
      divideAndConquer(m, left, labelled, demoTokens, space, rows, mid, hi);
    }
  }

  private static long[] range(long[][] parts, int from, int to) {
    long[] all = new long[0];
    for (int i = from; i < to; i++) {
      all = concat(all, parts[i]);
    }
    return all;
  }

  /**
   * The explicit requests {@link #scoreLeaveOneOut} stands for. With {@link
   * LeaveOneOut#DIVIDE_AND_CONQUER}, the context of example {@code i} is, from the outermost level
   * of the recursion inwards, the half not holding {@code i}; otherwise the other examples in their
   * given order.
   */
  @Override
  public List<ScoreRequest> leaveOneOutRequests(List<LabelledExample> labelled) {
    if (mode != LeaveOneOut.DIVIDE_AND_CONQUER) {
      return LabelScorer.super.leaveOneOutRequests(labelled);
    }
    int n = labelled.size();
    List<List<LabelledExample>> contexts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      contexts.add(new ArrayList<>(n - 1));
    }
    order(labelled, contexts, 0, n);
    List<ScoreRequest> requests = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      requests.add(new ScoreRequest(labelled.get(i).example(), contexts.get(i)));
    }
    return requests;
  }

  private static void order(
      List<LabelledExample> labelled, List<List<LabelledExample>> contexts, int lo, int hi) {
    if (hi - lo <= 1) {
      return;
    }
    int mid = (lo + hi) >>> 1;
    for (int i = lo; i < mid; i++) {
      contexts.get(i).addAll(labelled.subList(mid, hi));
    }
    for (int i = mid; i < hi; i++) {
      contexts.get(i).addAll(labelled.subList(lo, mid));
    }
    order(labelled, contexts, lo, mid);
    order(labelled, contexts, mid, hi);
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
    private PromptTemplate template = PromptTemplate.official();
    private LeaveOneOut mode = LeaveOneOut.DIVIDE_AND_CONQUER;
    private boolean ownsResources = true;

    private Builder() {}

    /** The model (required). */
    public Builder model(CausalLm model) {
      this.model = requireNonNull(model, "model");
      return this;
    }

    /** The model's tokenizer (required). */
    public Builder tokenizer(TextTokenizer tokenizer) {
      this.tokenizer = requireNonNull(tokenizer, "tokenizer");
      return this;
    }

    /** The prompt layout; default {@link PromptTemplate#official()}. */
    public Builder template(PromptTemplate template) {
      this.template = requireNonNull(template, "template");
      return this;
    }

    /** How leave-one-out work is shared; default {@link LeaveOneOut#DIVIDE_AND_CONQUER}. */
    public Builder leaveOneOut(LeaveOneOut mode) {
      this.mode = requireNonNull(mode, "mode");
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
