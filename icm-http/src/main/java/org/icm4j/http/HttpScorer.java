package org.icm4j.http;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.http.EngineAdapter.Call;
import org.icm4j.http.EngineAdapter.Counters;
import org.icm4j.http.EngineAdapter.ModelInfo;
import org.icm4j.http.EngineAdapter.Query;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.jspecify.annotations.Nullable;

/**
 * A {@link LabelScorer} that asks an inference server over HTTP (llama.cpp's {@code
 * llama-server}, vLLM or SGLang; see {@link Engine}) for the exact log-probability of each label's
 * tokens after the demonstrations and the query: the full-vocabulary log-probability of the
 * label's first token after the prompt, plus, for a multi-token label, that of each further token
 * after the earlier ones. Prompts are laid out by a {@link PromptLayout} (the same layout as
 * icm-djl's {@code DjlScorer}, so the same model gives the same numbers) and sent as token ids.
 *
 * <p><b>At start</b> ({@link Builder#build()}) it asks the server for its model and checks the
 * expected model name and vocabulary size (when given); with a local {@link Tokenizer} it checks
 * that the server tokenizes every label text (and the separator) to the same ids.
 *
 * <p><b>Throughput.</b> Up to {@link Builder#maxInFlight} requests are in flight at once, each
 * carrying up to {@link Builder#batchSize} prompts where the engine batches; the requests of a
 * call are cut into that many contiguous lanes, each sent in order, so that a server slot serving
 * a lane sees consecutive prompts one after the other. {@link
 * #scoreLeaveOneOut} with {@link LeaveOneOut#DIVIDE_AND_CONQUER} (the default) orders the
 * contexts so that consecutive prompts share the longest prefixes: a server whose cache keeps only
 * the previous prompt then computes about {@code n (log2 n + 1)} example encodings per leave-one-
 * out rescore instead of about {@code n^2 / 2}. {@link #counters()} reports what the server said
 * it computed.
 *
 * <p><b>Reliability.</b> Each attempt has a timeout that covers its whole answer, body included,
 * and each call a deadline no attempt outlives; 429 (honouring {@code Retry-After}), 408, 5xx,
 * timeouts and failed connections are retried with exponential backoff; other 4xx, and answers
 * over {@link Builder#maxResponseBytes}, fail at once. Every failure names the example(s), sets
 * {@link IcmException#exampleId()} and quotes the server; failures to reach or read the server are
 * {@link InferenceServerException}s. An answer with a missing field, the wrong number of entries,
 * another token than the one asked for, another model than the earlier answers named, or
 * log-probabilities of distinct tokens whose probabilities add up to more than 1 fails: a broken
 * server never yields numbers. {@link #checkBatch} fails before a search when a batch cannot fit
 * the server's context.
 *
 * <p><b>Routing.</b> With {@link Builder#routingHeader}, every request carries the current batch's
 * routing key, so that a router keeps the batch on one replica (see {@link #routingKey(String)}). The API key is read from an environment variable and never
 * appears in a message, {@link #toString()} or provenance.
 *
 * <p>Thread-safe: chains may call it in parallel. Close it to stop its threads.
 *
 * <pre>{@code
 * try (HttpScorer scorer = HttpScorer.builder()
 *     .endpoint("http://127.0.0.1:8080")
 *     .engine(Engine.LLAMA_CPP)
 *     .build()) {
 *   IcmResult result = Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).seed(1).build().run(examples);
 * }
 * }</pre>
 */
public final class HttpScorer implements LabelScorer, AutoCloseable {

  /** How {@link #scoreLeaveOneOut} orders its n requests. */
  public enum LeaveOneOut {
    /**
     * The others in their given order, and the server is asked not to reuse cached prefixes where
     * the engine can be told (llama.cpp: {@code cache_prompt: false}): the reference cost.
     */
    PLAIN,
    /** The others in their given order; consecutive requests share the examples before the query. */
    SHARED_PREFIX,
    /**
     * Each half of the examples precedes the other half, recursively, requests in depth-first order
     * (default): consecutive requests share all levels above the one where they part.
     */
    DIVIDE_AND_CONQUER
  }

  /**
   * The session header of vLLM's production-stack router with {@code --routing-logic session
   * --session-key X-Session-ID} (the router reads the header its {@code --session-key} names:
   * give it this one): {@code X-Session-ID}.
   */
  public static final String SESSION_ID_HEADER = "X-Session-ID";

  /** The routing-key header SGLang's model gateway (SMG) reads by default: {@code X-SMG-Routing-Key}. */
  public static final String SGLANG_ROUTING_KEY_HEADER = "X-SMG-Routing-Key";

  /** The default of {@link Builder#maxResponseBytes}: 8 MiB. */
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 8L * 1024 * 1024;

  private final Engine engine;
  private final EngineAdapter adapter;
  private final Transport transport;
  private final ModelInfo info;
  private final @Nullable Tokenizer tokenizer;
  private final PromptLayout layout;
  private final LeaveOneOut mode;
  private final int batchSize;
  private final int maxInFlight;
  private final Duration deadline;
  private final ExecutorService executor;
  private final Counters counters = new Counters();
  private final Map<String, int[]> encoded = new ConcurrentHashMap<>();
  private final Map<String, int[]> checkedPrompts = new ConcurrentHashMap<>();
  private final int[] separatorTokens;
  private final @Nullable Integer contextLimit;
  private final String contextSource;
  /** The model the first scoring answer named; every later answer must name the same. */
  private final java.util.concurrent.atomic.AtomicReference<@Nullable String> answerModel =
      new java.util.concurrent.atomic.AtomicReference<>();
  private volatile boolean closed;

  private HttpScorer(Builder b, Transport transport) {
    this.engine = b.engine;
    this.adapter = b.engine.adapter();
    this.transport = transport;
    this.tokenizer = b.tokenizer;
    this.layout = b.layout;
    this.mode = b.mode;
    this.batchSize = b.batchSize != null ? b.batchSize : (b.engine == Engine.LLAMA_CPP ? 1 : 16);
    this.maxInFlight = b.maxInFlight;
    this.deadline = b.deadline;
    Instant until = Instant.now().plus(b.deadline);
    ModelInfo served = adapter.modelInfo(transport, until);
    if (b.model != null && !b.model.equals(served.name())) {
      throw new IcmException(
          "the " + adapter.engine() + " at " + transport.base() + " serves model '" + served.name()
              + "', not the expected '" + b.model + "': point the scorer at the right server or change"
              + " HttpScorer.Builder.model");
    }
    if (b.vocabularySize != null && served.vocabularySize() != null
        && !b.vocabularySize.equals(served.vocabularySize())) {
      throw new IcmException(
          "the " + adapter.engine() + " at " + transport.base() + " has a vocabulary of "
              + served.vocabularySize() + " tokens, not the expected " + b.vocabularySize
              + ": it serves another model or another tokenizer");
    }
    this.info = served;
    if (b.contextLength != null
        && (served.contextLength() == null || b.contextLength < served.contextLength())) {
      this.contextLimit = b.contextLength;
      this.contextSource = "HttpScorer.Builder.contextLength";
    } else {
      this.contextLimit = served.contextLength();
      this.contextSource = served.contextSource();
    }
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            maxInFlight,
            r -> {
              Thread t = new Thread(r, "icm4j-http-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      this.separatorTokens = layout.separator().isEmpty() ? new int[0] : encode(layout.separator(), "the separator", until);
      for (String label : b.labels.names()) {
        int[] ids = labelTokens(label, until);
        if (tokenizer != null && b.verifyTokenizer) {
          String text = layout.verbalize(label);
          int[] server = adapter.tokenize(transport, info.name(), text, until);
          if (!Arrays.equals(server, ids)) {
            throw new IcmException(
                "the " + adapter.engine() + " tokenizes label '" + label + "' ('" + text + "') as "
                    + Arrays.toString(server) + ", the local tokenizer as " + Arrays.toString(ids)
                    + ": the local tokenizer does not belong to the served model (give the model's own"
                    + " tokenizer, or none to let the server tokenize)");
          }
        }
      }
      if (tokenizer != null && b.verifyTokenizer && separatorTokens.length > 0) {
        int[] server = adapter.tokenize(transport, info.name(), layout.separator(), until);
        if (!Arrays.equals(server, separatorTokens)) {
          throw new IcmException(
              "the " + adapter.engine() + " tokenizes the separator as " + Arrays.toString(server)
                  + ", the local tokenizer as " + Arrays.toString(separatorTokens)
                  + ": the local tokenizer does not belong to the served model");
        }
      }
    } catch (RuntimeException e) {
      executor.shutdownNow();
      throw e;
    }
  }

  /** A builder; {@link Builder#endpoint} and {@link Builder#engine} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The name of the model the server said it serves. */
  public String modelName() {
    return info.name();
  }

  /** The vocabulary size the server reported, or -1 when the engine does not report it. */
  public int vocabularySize() {
    return info.vocabularySize() == null ? -1 : info.vocabularySize();
  }

  /** What was asked of the server so far (its own counters where it reports them). */
  public ServerCounters counters() {
    return new ServerCounters(
        transport.requests.get(),
        transport.retries.get(),
        counters.promptTokens.get(),
        counters.cachedTokens.get(),
        counters.evaluatedTokens.get(),
        counters.reported.get());
  }

  /** The token ids of a text, with the local tokenizer or the server's. */
  public int[] tokenize(String text) {
    return encode(requireNonNull(text, "text"), "text", Instant.now().plus(deadline)).clone();
  }

  // ---------------------------------------------------------------- tokens

  private int[] encode(String text, String what, Instant until) {
    int[] cached = encoded.get(text);
    if (cached != null) {
      return cached;
    }
    int[] ids = tokenizer != null ? tokenizer.encode(text) : adapter.tokenize(transport, info.name(), text, until);
    Integer vocab = info.vocabularySize();
    for (int id : ids) {
      if (id < 0 || (vocab != null && id >= vocab)) {
        throw new IcmException(
            what + " ('" + text + "') has token id " + id + ", outside the served model's vocabulary of "
                + vocab + " tokens: the tokenizer does not belong to the model");
      }
    }
    if (encoded.size() > 200_000) {
      encoded.clear();
    }
    encoded.put(text, ids);
    return ids;
  }

  private int[] labelTokens(String label, Instant until) {
    String text = layout.verbalize(label);
    int[] ids = encode(text, "label '" + label + "'", until);
    if (ids.length == 0) {
      throw new IcmException(
          "label '" + label + "' (text '" + text + "') has no tokens: give it a verbalizer the tokenizer can encode");
    }
    return ids;
  }

  /** The prompt's ids, checked once: every label tokenizes the same after it as alone. */
  private int[] promptTokens(Example e, LabelSpace space, Instant until) {
    String key = e.prompt() + '\u0000' + String.join("\u0000", space.names());
    int[] checked = checkedPrompts.get(key);
    if (checked != null) {
      return checked;
    }
    int[] ids = encodeFor(e, e.prompt(), "the prompt of example '" + e.id() + "'", until);
    if (ids.length == 0) {
      throw new IcmException("the prompt of example '" + e.id() + "' has no tokens: give it a non-blank prompt", e.id(), null);
    }
    for (String label : space.names()) {
      String text = e.prompt() + layout.verbalize(label);
      int[] joint = encodeFor(e, text, "example '" + e.id() + "' with label '" + label + "'", until);
      int[] asDemo = encodeFor(e, text + layout.separator(), "example '" + e.id() + "' as a demonstration", until);
      int[] alone = labelTokens(label, until);
      if (!Arrays.equals(joint, concat(ids, alone)) || !Arrays.equals(asDemo, concat(joint, separatorTokens))) {
        throw new IcmException(
            "label '" + label + "' tokenizes differently after the prompt of example '" + e.id() + "' than alone ("
                + Arrays.toString(alone) + " alone, "
                + Arrays.toString(Arrays.copyOfRange(joint, Math.min(ids.length, joint.length), joint.length))
                + " in context): end prompts without a trailing space and give verbalizers a leading space"
                + " (\" True\"), or change the verbalizer",
            e.id(),
            null);
      }
    }
    if (checkedPrompts.size() > 200_000) {
      checkedPrompts.clear();
    }
    checkedPrompts.put(key, ids);
    return ids;
  }

  /** {@link #encode} for text of example {@code e}: a failure names the example (message and id). */
  private int[] encodeFor(Example e, String text, String what, Instant until) {
    try {
      return encode(text, what, until);
    } catch (IcmException x) {
      String message = x.getMessage() != null && x.getMessage().contains("example '" + e.id() + "'")
          ? x.getMessage()
          : what + ": " + x.getMessage();
      IcmException r = x instanceof InferenceServerException
          ? new InferenceServerException(message, e.id(), x.getCause())
          : new IcmException(message, e.id(), x.getCause());
      r.setStackTrace(x.getStackTrace());
      throw r;
    }
  }

  private int[] demos(List<LabelledExample> context, LabelSpace space, Instant until) {
    int[] all = new int[0];
    for (LabelledExample d : context) {
      all = concat(all, concat(concat(promptTokens(d.example(), space, until), labelTokens(d.label(), until)), separatorTokens));
    }
    return all;
  }

  private static int[] concat(int[] a, int[] b) {
    int[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  // ---------------------------------------------------------------- LabelScorer

  /**
   * Sends {@code key} in the routing header ({@link Builder#routingHeader}) of every later request,
   * until the next {@link #checkBatch} (which sets the batch's own key) or the next call of this
   * method; a new key also empties the cookie jar ({@link Builder#sessionCookies}). Call it from a
   * {@code BatchHook} or before a call to pin requests yourself. The scorer's calls share one key:
   * two runs that should be routed apart need two scorers.
   */
  public void routingKey(String key) {
    requireNonNull(key, "key");
    if (key.isBlank() || key.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      throw new IllegalArgumentException(
          "routing key must be non-blank printable ASCII without spaces, but was '" + key + "'");
    }
    transport.routingKey(key);
  }

  /** The routing key sent now, or {@code null} before the first batch or {@link #routingKey(String)}. */
  public @Nullable String routingKey() {
    return transport.routingKey();
  }

  /** {@code icm4j-} and 16 hex digits of the SHA-256 of the batch's example ids, in order. */
  static String routingKeyOf(List<Example> batch) {
    try {
      var digest = java.security.MessageDigest.getInstance("SHA-256");
      for (Example e : batch) {
        digest.update(e.id().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        digest.update((byte) 0);
      }
      return "icm4j-" + java.util.HexFormat.of().formatHex(digest.digest(), 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The context limit requests are held to, or -1 when neither the server nor the builder gives one. */
  public int contextLength() {
    return contextLimit == null ? -1 : contextLimit;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Tokenizes every prompt of the batch (checking each as scoring would) and fails when the
   * longest request the search can make does not fit the context limit (the server's, or {@link
   * Builder#contextLength}): every other example of the batch as a demonstration with the label of
   * most tokens, then the query and that label. Without a known limit it accepts every batch.
   *
   * @throws IcmException naming the batch size, the tokens needed, the limit and where it comes
   *     from, and a batch size that fits; or naming the example whose prompt alone does not fit
   */
  @Override
  public void checkBatch(LabelSpace labels, List<Example> batch) {
    requireNonNull(labels, "labels");
    requireNonNull(batch, "batch");
    if (closed) {
      throw new IllegalStateException("this HttpScorer is closed");
    }
    if (batch.isEmpty()) {
      return;
    }
    transport.routingKey(routingKeyOf(batch));
    Integer limit = contextLimit;
    if (limit == null) {
      return;
    }
    Instant until = Instant.now().plus(deadline);
    int longestLabel = 0;
    for (String l : labels.names()) {
      longestLabel = Math.max(longestLabel, labelTokens(l, until).length);
    }
    int n = batch.size();
    long[] demos = new long[n];
    long total = 0;
    int widest = 0;
    for (int i = 0; i < n; i++) {
      demos[i] = promptTokens(batch.get(i), labels, until).length + longestLabel + separatorTokens.length;
      total += demos[i];
      if (demos[i] > demos[widest]) {
        widest = i;
      }
    }
    // query i: the others' demonstrations, then its prompt and the label (score's own check)
    long overhead = separatorTokens.length;
    long longest = total - overhead;
    if (longest <= limit) {
      return;
    }
    if (demos[widest] - overhead > limit) {
      Example e = batch.get(widest);
      throw new IcmException(
          "the prompt of example '" + e.id() + "' with the longest label takes " + (demos[widest] - overhead)
              + " tokens, more than the server's limit of " + limit + " (" + contextSource + "): shorten its"
              + " prompt or give the server a longer context",
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
            + " demonstrations and a query, with the longest label), more than the server's limit of " + limit
            + " (" + contextSource + "): use a smaller batch (Icm.Builder.batchSize(" + fits + ") fits any "
            + fits + " of these examples), shorter prompts, or a longer context on the server (llama-server:"
            + " -c = slots x context per slot; see docs/remote.md)",
        batch.get(widest).id(),
        null);
  }

  @Override
  public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
    return score(labels, requests, true);
  }

  @Override
  public ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
    return score(labels, leaveOneOutRequests(labelled), mode != LeaveOneOut.PLAIN);
  }

  /**
   * The explicit requests {@link #scoreLeaveOneOut} sends, in the order it sends them. With {@link
   * LeaveOneOut#DIVIDE_AND_CONQUER}, the context of example {@code i} is, from the outermost level
   * of the recursion inwards, the half not holding {@code i}; otherwise the other examples in
   * their given order.
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
    halves(labelled, contexts, 0, n);
    List<ScoreRequest> requests = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      requests.add(new ScoreRequest(labelled.get(i).example(), contexts.get(i)));
    }
    return requests;
  }

  private static void halves(List<LabelledExample> labelled, List<List<LabelledExample>> contexts, int lo, int hi) {
    if (hi - lo <= 1) {
      return;
    }
    int mid = (lo + hi) >>> 1;
    for (int i = lo; i < hi; i++) {
      contexts.get(i).addAll(i < mid ? labelled.subList(mid, hi) : labelled.subList(lo, mid));
    }
    halves(labelled, contexts, lo, mid);
    halves(labelled, contexts, mid, hi);
  }

  /** Where label {@code k}'s log-probability is: the (query, target) cells of its tokens. */
  private record Plan(List<Query> queries, int[][][] cells) {}

  private ScoreResult score(LabelSpace labels, List<ScoreRequest> requests, boolean reusePrefixes) {
    requireNonNull(labels, "labels");
    requireNonNull(requests, "requests");
    if (closed) {
      throw new IllegalStateException("this HttpScorer is closed");
    }
    Instant until = Instant.now().plus(deadline);
    List<Query> queries = new ArrayList<>();
    int[][][] cells = new int[requests.size()][][];
    int[][] labelIds = new int[labels.size()][];
    int longest = 0;
    for (int k = 0; k < labels.size(); k++) {
      labelIds[k] = labelTokens(labels.name(k), until);
      longest = Math.max(longest, labelIds[k].length);
    }
    for (int r = 0; r < requests.size(); r++) {
      ScoreRequest req = requests.get(r);
      String id = req.query().id();
      int[] prompt = concat(demos(req.context(), labels, until), promptTokens(req.query(), labels, until));
      Integer limit = contextLimit;
      // the server reads the prompt and the label tokens but the last, and makes room for one more
      if (limit != null && prompt.length + longest > limit) {
        throw new IcmException(
            "the context of example '" + id + "' takes " + (prompt.length + longest) + " tokens with its label,"
                + " more than the server's limit of " + limit + " (" + contextSource + "): use a smaller batch"
                + " (Icm.Builder.batchSize), shorter prompts or a server with a longer context",
            id,
            null);
      }
      // one query per distinct prefix (prompt + first j label tokens), its targets the next tokens
      Map<String, Integer> queryOf = new LinkedHashMap<>();
      Map<Integer, List<Integer>> targetsOf = new LinkedHashMap<>();
      List<int[]> prefixes = new ArrayList<>();
      cells[r] = new int[labels.size()][];
      int[][] raw = new int[labels.size()][];
      for (int k = 0; k < labels.size(); k++) {
        int[] lt = labelIds[k];
        raw[k] = new int[2 * lt.length];
        for (int j = 0; j < lt.length; j++) {
          String key = Arrays.toString(Arrays.copyOf(lt, j));
          Integer q = queryOf.get(key);
          if (q == null) {
            q = prefixes.size();
            queryOf.put(key, q);
            prefixes.add(Arrays.copyOf(lt, j));
            targetsOf.put(q, new ArrayList<>());
          }
          List<Integer> t = targetsOf.get(q);
          int at = t.indexOf(lt[j]);
          if (at < 0) {
            at = t.size();
            t.add(lt[j]);
          }
          raw[k][2 * j] = q;
          raw[k][2 * j + 1] = at;
        }
      }
      int base = queries.size();
      for (int q = 0; q < prefixes.size(); q++) {
        int[] targets = targetsOf.get(q).stream().mapToInt(Integer::intValue).toArray();
        queries.add(new Query(id, concat(prompt, prefixes.get(q)), targets));
      }
      for (int k = 0; k < labels.size(); k++) {
        for (int j = 0; j < raw[k].length; j += 2) {
          raw[k][j] += base;
        }
        cells[r][k] = raw[k];
      }
    }
    Counters call = new Counters();
    double[][] out = run(queries, reusePrefixes, until, call);
    checkNormalized(queries, out);
    List<double[]> rows = new ArrayList<>(requests.size());
    for (int r = 0; r < requests.size(); r++) {
      double[] row = new double[labels.size()];
      for (int k = 0; k < labels.size(); k++) {
        double lp = 0;
        for (int j = 0; j < cells[r][k].length; j += 2) {
          lp += out[cells[r][k][j]][cells[r][k][j + 1]];
        }
        row[k] = lp;
      }
      rows.add(row);
    }
    counters.add(call.promptTokens.get(), call.cachedTokens.get(), call.evaluatedTokens.get());
    counters.reported.addAndGet(call.reported.get() - 1);
    return new ScoreResult(rows, call.evaluatedTokens.get());
  }

  /** Probabilities of distinct next tokens cannot add up to more than 1. */
  private void checkNormalized(List<Query> queries, double[][] out) {
    for (int q = 0; q < queries.size(); q++) {
      if (out[q].length < 2) {
        continue;
      }
      double sum = 0;
      for (double lp : out[q]) {
        sum += Math.exp(lp);
      }
      if (sum > 1 + 1e-3) {
        throw new IcmException(
            "the " + adapter.engine() + " gave the distinct tokens " + Arrays.toString(queries.get(q).targets())
                + " after the prompt of example '" + queries.get(q).exampleId() + "' probabilities that add up to "
                + sum + " > 1: its log-probabilities are not over the full vocabulary (vLLM: run V1 with"
                + " --logprobs-mode raw_logprobs; see docs/remote.md)",
            queries.get(q).exampleId(),
            null);
      }
    }
  }

  private double[][] run(List<Query> queries, boolean reusePrefixes, Instant until, Counters call) {
    double[][] out = new double[queries.size()][];
    for (int q = 0; q < out.length; q++) {
      out[q] = new double[queries.get(q).targets().length];
      Arrays.fill(out[q], Double.NaN);
    }
    List<Call> calls = adapter.calls(queries, info.name(), batchSize, reusePrefixes);
    if (maxInFlight == 1 || calls.size() == 1) {
      for (Call c : calls) {
        send(c, until, out, call);
      }
    } else {
      // contiguous lanes, each sent in order by one worker: a server slot that serves a lane sees
      // consecutive prompts (which share prefixes) one after the other
      int lanes = Math.min(maxInFlight, calls.size());
      List<Future<?>> futures = new ArrayList<>(lanes);
      for (int lane = 0; lane < lanes; lane++) {
        List<Call> mine = calls.subList(lane * calls.size() / lanes, (lane + 1) * calls.size() / lanes);
        futures.add(executor.submit(() -> {
          for (Call c : mine) {
            if (Thread.currentThread().isInterrupted()) {
              return;
            }
            send(c, until, out, call);
          }
        }));
      }
      try {
        for (Future<?> f : futures) {
          f.get();
        }
      } catch (ExecutionException e) {
        futures.forEach(f -> f.cancel(true));
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException re) {
          throw re;
        }
        throw new IcmException("scoring failed: " + cause, cause);
      } catch (InterruptedException e) {
        futures.forEach(f -> f.cancel(true));
        Thread.currentThread().interrupt();
        throw new IcmException("interrupted while scoring", e);
      } catch (CancellationException e) {
        throw new IcmException("scoring was cancelled", e);
      }
    }
    for (int q = 0; q < out.length; q++) {
      for (int t = 0; t < out[q].length; t++) {
        if (Double.isNaN(out[q][t])) {
          throw new IcmException(
              "the " + adapter.engine() + " gave no log-probability for token " + queries.get(q).targets()[t]
                  + " of example '" + queries.get(q).exampleId() + "'",
              queries.get(q).exampleId(),
              null);
        }
      }
    }
    return out;
  }

  /** Sends one call and reads its answer into {@code out}; a failure names the call's example. */
  private void send(Call c, Instant until, double[][] out, Counters call) {
    try {
      var response = transport.post(c.path(), c.body(), until, "scoring " + c.about());
      checkModel(response, c);
      synchronized (out) {
        c.read(response, out, call);
      }
    } catch (IcmException e) {
      throw EngineAdapter.withExample(e, c.exampleId());
    }
  }

  /**
   * Fails when an answer names another model than the answers before it: a server restarted with
   * another model mid-run would otherwise mix two models' log-probabilities in one search. Reads
   * the {@code model} field of the answer (llama.cpp's {@code /completion}, vLLM's {@code
   * /v1/completions}) or of each of its results; engines whose answers name no model (SGLang's
   * {@code /generate}) are checked at start only.
   */
  private void checkModel(com.fasterxml.jackson.databind.JsonNode response, Call c) {
    List<com.fasterxml.jackson.databind.JsonNode> results = new ArrayList<>();
    if (response.isArray()) {
      response.forEach(results::add);
    } else {
      results.add(response);
    }
    for (var r : results) {
      var m = r.get("model");
      if (m == null || !m.isTextual() || m.asText().isBlank()) {
        continue;
      }
      String named = m.asText();
      answerModel.compareAndSet(null, named);
      String expected = answerModel.get();
      if (!named.equals(expected)) {
        throw new IcmException(
            "the " + adapter.engine() + " at " + transport.base() + " answered for " + c.about() + " with model '"
                + named + "', but its earlier answers came from model '" + expected + "' (at start it served '"
                + info.name() + "'): the server was restarted or re-routed to another model mid-run, and one"
                + " search must not mix two models' log-probabilities. Serve '" + expected + "' again and rerun"
                + " (Icm.Builder.checkpoint resumes a run), or start a new run for '" + named + "'",
            c.exampleId(),
            null);
      }
    }
  }

  /** Stops the scorer's threads; later calls fail. Idempotent. */
  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return "HttpScorer(" + engine + " " + transport.base() + ", model '" + info.name() + "', " + mode + ", "
        + maxInFlight + " in flight, batch " + batchSize + ")";
  }

  /** Configures an {@link HttpScorer}; each setter checks its value at once. Not thread-safe. */
  public static final class Builder {
    private @Nullable URI endpoint;
    private @Nullable Engine engine;
    private @Nullable String model;
    private @Nullable Integer vocabularySize;
    private @Nullable Tokenizer tokenizer;
    private boolean verifyTokenizer = true;
    private PromptLayout layout = PromptLayout.official();
    private LabelSpace labels = LabelSpace.binary();
    private LeaveOneOut mode = LeaveOneOut.DIVIDE_AND_CONQUER;
    private @Nullable Integer batchSize;
    private int maxInFlight = 4;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(120);
    private Duration deadline = Duration.ofMinutes(30);
    private int maxAttempts = 6;
    private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private @Nullable Integer contextLength;
    private @Nullable String routingHeader;
    private boolean sessionCookies;
    private Duration initialBackoff = Duration.ofMillis(200);
    private Duration maxBackoff = Duration.ofSeconds(20);
    private @Nullable String apiKeyVariable;
    private UnaryOperator<@Nullable String> environment = System::getenv;

    private Builder() {}

    /** The server's base address, e.g. {@code http://127.0.0.1:8080} (required). */
    public Builder endpoint(String uri) {
      requireNonNull(uri, "uri");
      URI u;
      try {
        u = URI.create(uri.endsWith("/") ? uri : uri + "/");
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("endpoint must be an http(s) address, but was '" + uri + "'", e);
      }
      return endpoint(u);
    }

    /** The server's base address (required). */
    public Builder endpoint(URI uri) {
      requireNonNull(uri, "uri");
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new IllegalArgumentException("endpoint must be an http(s) address with a host, but was '" + uri + "'");
      }
      this.endpoint = uri.getPath() == null || uri.getPath().isEmpty() ? uri.resolve("/") : uri;
      return this;
    }

    /** The engine the server runs (required). */
    public Builder engine(Engine engine) {
      this.engine = requireNonNull(engine, "engine");
      return this;
    }

    /** The model the server must serve (checked at start); default: whatever it serves. */
    public Builder model(String model) {
      requireNonNull(model, "model");
      if (model.isBlank()) {
        throw new IllegalArgumentException("model must not be blank");
      }
      this.model = model;
      return this;
    }

    /** The vocabulary size the served model must have (checked where the engine reports it). */
    public Builder vocabularySize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("vocabularySize must be >= 1, but was " + size);
      }
      this.vocabularySize = size;
      return this;
    }

    /**
     * Tokenizes on the client with the model's own tokenizer; default: the server's {@code
     * /tokenize}. At start the server's tokenization of the label texts must match (see {@link
     * #verifyTokenizer}).
     */
    public Builder tokenizer(Tokenizer tokenizer) {
      this.tokenizer = requireNonNull(tokenizer, "tokenizer");
      return this;
    }

    /** Whether to check a local tokenizer against the server's at start (default true). */
    public Builder verifyTokenizer(boolean verify) {
      this.verifyTokenizer = verify;
      return this;
    }

    /** The prompt layout; default {@link PromptLayout#official()}. */
    public Builder layout(PromptLayout layout) {
      this.layout = requireNonNull(layout, "layout");
      return this;
    }

    /** The labels whose tokens are checked at start; default {@link LabelSpace#binary()}. */
    public Builder labels(LabelSpace labels) {
      this.labels = requireNonNull(labels, "labels");
      return this;
    }

    /** How leave-one-out requests are ordered; default {@link LeaveOneOut#DIVIDE_AND_CONQUER}. */
    public Builder leaveOneOut(LeaveOneOut mode) {
      this.mode = requireNonNull(mode, "mode");
      return this;
    }

    /**
     * The most prompts one request carries where the engine batches (vLLM, SGLang; llama.cpp
     * runs a batch on parallel slots); default 1 for llama.cpp (its one-slot cache then sees the
     * prompts in order), 16 otherwise.
     */
    public Builder batchSize(int prompts) {
      if (prompts < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, but was " + prompts);
      }
      this.batchSize = prompts;
      return this;
    }

    /** The most requests in flight at once (default 4; match the server's parallel slots). */
    public Builder maxInFlight(int requests) {
      if (requests < 1) {
        throw new IllegalArgumentException("maxInFlight must be >= 1, but was " + requests);
      }
      this.maxInFlight = requests;
      return this;
    }

    /** How long to wait for a connection (default 10 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connectTimeout", timeout);
      return this;
    }

    /** How long to wait for one answer before trying again (default 120 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive("requestTimeout", timeout);
      return this;
    }

    /** The most one call ({@code score}, {@code scoreLeaveOneOut}, the start) may take, retries included (default 30 min). */
    public Builder deadline(Duration deadline) {
      this.deadline = positive("deadline", deadline);
      return this;
    }

    /** Attempts per request, the first included (default 6; 1 = no retries). */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, but was " + attempts);
      }
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * Sends the batch's routing key in this header on every request, so that a router in front of
     * several replicas keeps a batch on one replica (whose prefix cache then serves it): {@link
     * HttpScorer#SESSION_ID_HEADER} for vLLM's production-stack router, {@link
     * HttpScorer#SGLANG_ROUTING_KEY_HEADER} for SGLang's gateway, or the header your router hashes
     * on. The key is derived from the batch's example ids in {@link HttpScorer#checkBatch}, which
     * {@code Icm.run} calls before each batch, or set with {@link HttpScorer#routingKey(String)}.
     * Default: none.
     */
    public Builder routingHeader(String name) {
      requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("routingHeader must not be blank");
      }
      try {
        java.net.http.HttpRequest.newBuilder().header(name, "x");
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "routingHeader '" + name + "' is not a header name a client may set (" + e.getMessage()
                + "): give the name your router reads, e.g. HttpScorer.SESSION_ID_HEADER",
            e);
      }
      this.routingHeader = name;
      return this;
    }

    /**
     * Keeps the cookies the server or its gateway sets and sends them back (a cookie jar), for
     * routers that pin a session by cookie; the jar is emptied whenever the routing key changes
     * (a new batch). Default false.
     */
    public Builder sessionCookies(boolean keep) {
      this.sessionCookies = keep;
      return this;
    }

    /**
     * The most tokens one request may hold (the prompt and the generated token), for a server that
     * does not report it (SGLang) or to hold requests under a smaller limit than it reports; the
     * smaller of this and the server's limit applies. Used by {@link HttpScorer#checkBatch} before
     * a search and by every call. Default: the server's (llama.cpp: the context per slot from
     * {@code /props}; vLLM: {@code max_model_len}), none for SGLang.
     */
    public Builder contextLength(int tokens) {
      if (tokens < 2) {
        throw new IllegalArgumentException("contextLength must be >= 2, but was " + tokens);
      }
      this.contextLength = tokens;
      return this;
    }

    /**
     * The largest answer read, in bytes (default {@value HttpScorer#DEFAULT_MAX_RESPONSE_BYTES},
     * 8 MiB); a larger one fails the call at once, naming this setting. A scoring answer is a few
     * KiB; llama.cpp's also echoes the prompt as text, about 4 to 6 bytes per token (see
     * docs/remote.md). The bound keeps a broken server from filling the heap.
     */
    public Builder maxResponseBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxResponseBytes must be >= 1024, but was " + bytes);
      }
      this.maxResponseBytes = bytes;
      return this;
    }

    /** Backoff before the first retry, doubled each time up to {@code max} (default 200 ms, 20 s). */
    public Builder backoff(Duration initial, Duration max) {
      positive("initial backoff", initial);
      positive("max backoff", max);
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "max backoff must be >= initial backoff, but was " + max + " < " + initial);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /**
     * Sends {@code Authorization: Bearer <key>} with the key read from this environment variable
     * at {@link #build()} (e.g. {@code VLLM_API_KEY}); the key is never logged or shown.
     */
    public Builder apiKeyFromEnvironment(String variable) {
      requireNonNull(variable, "variable");
      if (variable.isBlank()) {
        throw new IllegalArgumentException("the API key's environment variable name must not be blank");
      }
      this.apiKeyVariable = variable;
      return this;
    }

    /** For tests: where environment variables are read. */
    Builder environment(UnaryOperator<@Nullable String> environment) {
      this.environment = requireNonNull(environment, "environment");
      return this;
    }

    private static Duration positive(String name, Duration d) {
      requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0, but was " + d);
      }
      return d;
    }

    /**
     * Connects: asks the server for its model, checks it, and checks the label tokens.
     *
     * @throws IllegalStateException when the endpoint or engine is missing, or the API key's
     *     environment variable is not set
     * @throws InferenceServerException when the server cannot be reached, times out or refuses a
     *     request
     * @throws IcmException when the server serves another model, vocabulary or tokenizer
     */
    public HttpScorer build() {
      if (endpoint == null) {
        throw new IllegalStateException("no endpoint set: call endpoint(\"http://127.0.0.1:8080\")");
      }
      if (engine == null) {
        throw new IllegalStateException(
            "no engine set: call engine(Engine.LLAMA_CPP), engine(Engine.VLLM) or engine(Engine.SGLANG)");
      }
      String key = null;
      if (apiKeyVariable != null) {
        key = environment.apply(apiKeyVariable);
        if (key == null || key.isBlank()) {
          throw new IllegalStateException(
              "the API key's environment variable " + apiKeyVariable + " is not set: export it, or drop apiKeyFromEnvironment");
        }
      }
      Transport transport =
          new Transport(
              endpoint, key, connectTimeout, requestTimeout, maxAttempts, initialBackoff, maxBackoff, maxResponseBytes,
              routingHeader, sessionCookies);
      return new HttpScorer(this, transport);
    }
  }
}
