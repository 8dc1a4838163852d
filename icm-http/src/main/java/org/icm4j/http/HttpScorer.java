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
import org.icm4j.text.LeaveOneOutOrder;
import org.icm4j.text.LeaveOneOutPlan;
import org.icm4j.text.PromptLayout;
import org.icm4j.text.PromptTokens;
import org.jspecify.annotations.Nullable;

/**
 * A {@link LabelScorer} that asks an inference server over HTTP (llama.cpp's {@code
 * llama-server}, vLLM or SGLang; see {@link Engine}) for the exact log-probability of each label's
 * tokens after the demonstrations and the query: the full-vocabulary log-probability of the
 * label's first token after the prompt, plus, for a multi-token label, that of each further token
 * after the earlier ones. Prompts are laid out, tokenized and checked by icm-core's text layer
 * ({@link PromptTokens} over a {@link PromptLayout}: the same layer as icm-djl's {@code DjlScorer}
 * and icm-onnx's {@code OnnxScorer}, so the same model gives the same numbers and the same bad
 * prompt the same message) and sent as token ids.
 *
 * <p><b>At start</b> ({@link Builder#build()}) it asks the server for its model and checks the
 * expected model name and vocabulary size (when given); with a local {@link Tokenizer} it checks
 * that the server tokenizes every label text (and the separator) to the same ids.
 *
 * <p><b>Throughput.</b> Up to {@link Builder#maxInFlight} requests are in flight at once, each
 * carrying up to {@link Builder#batchSize} prompts where the engine batches; the requests of a
 * call are cut into that many contiguous lanes, each sent in order, so that a server slot serving
 * a lane sees consecutive prompts one after the other. {@link
 * #scoreLeaveOneOut} with {@link LeaveOneOut#DIVIDE_AND_CONQUER} (the default) sends the contexts of
 * the text layer's {@link LeaveOneOutPlan}, in which consecutive prompts share the longest prefixes: a server whose cache keeps only
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

  /**
   * How {@link #scoreLeaveOneOut} orders its n requests: each constant names the text layer's
   * {@link LeaveOneOutOrder} of the same name, whose {@link LeaveOneOutPlan} gives each request's
   * context.
   */
  public enum LeaveOneOut {
    /**
     * {@link LeaveOneOutOrder#PLAIN}: the others in their given order, and the server is asked not
     * to reuse cached prefixes where the engine can be told (llama.cpp: {@code cache_prompt:
     * false}): the reference cost.
     */
    PLAIN,
    /**
     * {@link LeaveOneOutOrder#SHARED_PREFIX}: the others in their given order; consecutive requests
     * share the examples before the query.
     */
    SHARED_PREFIX,
    /**
     * {@link LeaveOneOutOrder#DIVIDE_AND_CONQUER} (default): each half of the examples precedes the
     * other half, recursively, requests in depth-first order: consecutive requests share all
     * levels above the one where they part.
     */
    DIVIDE_AND_CONQUER;

    /**
     * The text layer's order of the same name.
     *
     * @return the text layer's order of the same name
     */
    public LeaveOneOutOrder order() {
      return LeaveOneOutOrder.valueOf(name());
    }

    /**
     * The constant of {@code order}'s name.
     *
     * @param order a text-layer order
     * @return its constant here
     */
    public static LeaveOneOut of(LeaveOneOutOrder order) {
      return valueOf(requireNonNull(order, "order").name());
    }
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
  /** Prompts, labels and demonstrations as token ids, checked (the text layer). */
  private final PromptTokens text;
  private final LeaveOneOut mode;
  private final int batchSize;
  private final int maxInFlight;
  private final Duration deadline;
  private final ExecutorService executor;
  private final Counters counters = new Counters();
  /**
   * The deadline of the call running on this thread, for the server's {@code /tokenize} (the text
   * layer's {@code encode} takes none): set by {@link #during} at the start of every call.
   */
  private final ThreadLocal<@Nullable Instant> callDeadline = new ThreadLocal<>();
  private final @Nullable Integer contextLimit;
  private final String contextSource;
  /** The model the first scoring answer named; every later answer must name the same. */
  private final java.util.concurrent.atomic.AtomicReference<@Nullable String> answerModel =
      new java.util.concurrent.atomic.AtomicReference<>();
  private volatile boolean closed;

  private HttpScorer(Builder b, Transport transport) {
    this.engine = requireNonNull(b.engine, "engine"); // build() checked it
    this.adapter = engine.adapter();
    this.transport = transport;
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
      org.icm4j.text.Tokenizer tokens =
          b.tokenizer != null ? new LocalTokenizer(b.tokenizer) : new ServerTokenizer();
      Integer vocab = served.vocabularySize();
      // the layer tokenizes the separator at once: within the start's deadline, as the rest
      this.text = during(
          until, () -> vocab != null ? PromptTokens.of(b.layout, tokens, vocab) : PromptTokens.of(b.layout, tokens));
      during(until, () -> {
        for (String label : b.labels.names()) {
          long[] ids = text.label(label);
          if (b.tokenizer != null && b.verifyTokenizer) {
            verify("label '" + label + "'", b.layout.verbalize(label), ids, until);
          }
        }
        if (b.tokenizer != null && b.verifyTokenizer) {
          verify("the separator", b.layout.separator(), text.separator(), until);
        }
        return null;
      });
    } catch (RuntimeException e) {
      executor.shutdownNow();
      throw e;
    }
  }

  /** Fails when the server tokenizes {@code value} otherwise than the local tokenizer did. */
  private void verify(String what, String value, long[] local, Instant until) {
    if (value.isEmpty()) {
      return;
    }
    int[] server = adapter.tokenize(transport, info.name(), value, until);
    if (!Arrays.equals(toLong(server), local)) {
      throw new IcmException(
          "the " + adapter.engine() + " tokenizes " + what + " ('" + value + "') as " + Arrays.toString(server)
              + ", the local tokenizer as " + Arrays.toString(local)
              + ": the local tokenizer does not belong to the served model (give the model's own"
              + " tokenizer, or none to let the server tokenize)");
    }
  }

  /**
   * A builder; {@link Builder#endpoint} and {@link Builder#engine} are required.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The name of the model the server said it serves.
   *
   * @return the name of the model the server said it serves
   */
  public String modelName() {
    return info.name();
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code engine} (the {@link Engine} constant), {@code model} (the name the server said it
   * serves) and, where the engine reports it, {@code vocabularySize}. Never the endpoint, a
   * header or the API key: an address may hold a secret, and the same model served at another
   * address is the same model.
   */
  @Override
  public Map<String, String> identity() {
    Map<String, String> id = new LinkedHashMap<>();
    id.put("engine", engine.name());
    id.put("model", info.name());
    if (info.vocabularySize() != null) {
      id.put("vocabularySize", String.valueOf(info.vocabularySize()));
    }
    return java.util.Collections.unmodifiableMap(id);
  }

  /**
   * The vocabulary size the server reported, or -1 when the engine does not report it.
   *
   * @return the vocabulary size the server reported, or -1 when the engine does not report it
   */
  public int vocabularySize() {
    return info.vocabularySize() == null ? -1 : info.vocabularySize();
  }

  /**
   * What was asked of the server so far (its own counters where it reports them).
   *
   * @return what was asked of the server so far (its own counters where it reports them)
   */
  public ServerCounters counters() {
    return new ServerCounters(
        transport.requests.get(),
        transport.retries.get(),
        counters.promptTokens.get(),
        counters.cachedTokens.get(),
        counters.evaluatedTokens.get(),
        counters.reported.get());
  }

  /**
   * The token ids of a text, with the local tokenizer or the server's.
   *
   * @param text any text
   * @return its ids (a new array)
   */
  public int[] tokenize(String text) {
    requireNonNull(text, "text");
    return toInt(during(Instant.now().plus(deadline), () -> this.text.tokenizer().encode(text)));
  }

  /**
   * How {@link #scoreLeaveOneOut} shares work, as the text layer's order ({@link
   * LeaveOneOutPlan#of} of it gives {@link #leaveOneOutRequests}).
   *
   * @return how {@link #scoreLeaveOneOut} shares work, as the text layer's order ({@link
   *     LeaveOneOutPlan#of} of it gives {@link #leaveOneOutRequests})
   */
  public LeaveOneOutOrder leaveOneOutOrder() {
    return mode.order();
  }

  // ---------------------------------------------------------------- tokens

  /** Runs {@code work} with {@code until} as the deadline of the server's {@code /tokenize}. */
  private <T> T during(Instant until, java.util.function.Supplier<T> work) {
    Instant outer = callDeadline.get();
    callDeadline.set(until);
    try {
      return work.get();
    } finally {
      if (outer == null) {
        callDeadline.remove();
      } else {
        callDeadline.set(outer);
      }
    }
  }

  /** The server's {@code /tokenize} as the text layer's tokenizer, within the current call's deadline. */
  private final class ServerTokenizer implements org.icm4j.text.Tokenizer {
    @Override
    public long[] encode(String value) {
      if (value.isEmpty()) {
        return new long[0];
      }
      Instant until = callDeadline.get();
      return toLong(adapter.tokenize(transport, info.name(), value, until != null ? until : Instant.now().plus(deadline)));
    }

    @Override
    public String toString() {
      return "/tokenize of the " + adapter.engine();
    }
  }

  /** A client-side {@link Tokenizer} as the text layer's. */
  private record LocalTokenizer(Tokenizer tokenizer) implements org.icm4j.text.Tokenizer {
    @Override
    public long[] encode(String value) {
      return toLong(tokenizer.encode(value));
    }

    @Override
    public boolean isUnknown(long id) {
      return id >= Integer.MIN_VALUE && id <= Integer.MAX_VALUE && tokenizer.isUnknown((int) id);
    }

    @Override
    public String toString() {
      return tokenizer.toString();
    }
  }

  /**
   * The checked ids of an example's prompt; a failure (the server's {@code /tokenize} among them)
   * names the example in its message and {@link IcmException#exampleId()}.
   */
  private long[] prompt(Example e, LabelSpace space) {
    try {
      return text.prompt(e, space);
    } catch (IcmException x) {
      throw naming(e, x);
    }
  }

  private static IcmException naming(Example e, IcmException x) {
    if (e.id().equals(x.exampleId())) {
      return x;
    }
    String message = x.getMessage() != null && x.getMessage().contains("example '" + e.id() + "'")
        ? x.getMessage()
        : "the prompt of example '" + e.id() + "': " + x.getMessage();
    IcmException r = x instanceof InferenceServerException
        ? new InferenceServerException(message, e.id(), x.getCause())
        : new IcmException(message, e.id(), x.getCause());
    r.setStackTrace(x.getStackTrace());
    return r;
  }

  /** The ids of the demonstrations, one after another. */
  private long[] demos(List<LabelledExample> context, LabelSpace space) {
    long[] all = new long[0];
    for (LabelledExample d : context) {
      prompt(d.example(), space); // checked, naming the example on failure
      all = PromptTokens.concat(all, text.demo(d, space));
    }
    return all;
  }

  static long[] toLong(int[] ids) {
    long[] out = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = ids[i];
    }
    return out;
  }

  /** The ids as the wire carries them; the text layer has checked them against the vocabulary. */
  static int[] toInt(long[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < Integer.MIN_VALUE || ids[i] > Integer.MAX_VALUE) {
        throw new IcmException(
            "token id " + ids[i] + " does not fit the 32-bit ids an inference server reads: the tokenizer"
                + " does not belong to a served model");
      }
      out[i] = (int) ids[i];
    }
    return out;
  }

  // ---------------------------------------------------------------- LabelScorer

  /**
   * Sends {@code key} in the routing header ({@link Builder#routingHeader}) of every later request,
   * until the next {@link #checkBatch} (which sets the batch's own key) or the next call of this
   * method; a new key also empties the cookie jar ({@link Builder#sessionCookies}). Call it from a
   * {@code BatchHook} or before a call to pin requests yourself. The scorer's calls share one key:
   * two runs that should be routed apart need two scorers.
   *
   * @param key the routing key sent with every later request
   */
  public void routingKey(String key) {
    requireNonNull(key, "key");
    if (key.isBlank() || key.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      throw new IllegalArgumentException(
          "routing key must be non-blank printable ASCII without spaces, but was '" + key + "'");
    }
    transport.routingKey(key);
  }

  /**
   * The routing key sent now, or {@code null} before the first batch or {@link #routingKey(String)}.
   *
   * @return the routing key sent now, or {@code null} before the first batch or {@link
   *     #routingKey(String)}
   */
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

  /**
   * The context limit requests are held to, or -1 when neither the server nor the builder gives one.
   *
   * @return the context limit requests are held to, or -1 when neither the server nor the builder
   *     gives one
   */
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
    during(Instant.now().plus(deadline), () -> {
      for (Example e : batch) {
        prompt(e, labels); // tokenized and checked, a failure naming the example
      }
      // the text layer counts the query's label minus its last token; the server also makes room
      // for the one token each request generates: one token less than the server's limit
      int forText = Math.max(1, limit - 1);
      try {
        text.checkBatch(labels, batch, forText);
      } catch (IcmException e) {
        throw new IcmException(
            e.getMessage() + ". The model's limit here is the server's context of " + limit + " tokens ("
                + contextSource + ") less the one token each request generates; llama-server: -c = slots x context per slot"
                + " (see docs/remote.md)",
            e.exampleId(),
            e);
      }
      return null;
    });
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
   * The explicit requests {@link #scoreLeaveOneOut} sends, in the order it sends them: the contexts
   * of the text layer's {@link LeaveOneOutPlan} for {@link #leaveOneOutOrder()}. With {@link
   * LeaveOneOut#DIVIDE_AND_CONQUER}, the context of example {@code i} is, from the outermost level
   * of the recursion inwards, the half not holding {@code i}; otherwise the other examples in
   * their given order.
   */
  @Override
  public List<ScoreRequest> leaveOneOutRequests(List<LabelledExample> labelled) {
    requireNonNull(labelled, "labelled");
    if (labelled.isEmpty()) {
      return List.of();
    }
    return LeaveOneOutPlan.of(mode.order(), labelled.size()).requests(labelled);
  }

  private ScoreResult score(LabelSpace labels, List<ScoreRequest> requests, boolean reusePrefixes) {
    requireNonNull(labels, "labels");
    requireNonNull(requests, "requests");
    if (closed) {
      throw new IllegalStateException("this HttpScorer is closed");
    }
    Instant until = Instant.now().plus(deadline);
    return during(until, () -> scoreWithin(labels, requests, reusePrefixes, until));
  }

  private ScoreResult scoreWithin(LabelSpace labels, List<ScoreRequest> requests, boolean reusePrefixes, Instant until) {
    List<Query> queries = new ArrayList<>();
    int[][][] cells = new int[requests.size()][][];
    int[][] labelIds = new int[labels.size()][];
    int longest = 0;
    for (int k = 0; k < labels.size(); k++) {
      labelIds[k] = toInt(text.label(labels.name(k)));
      longest = Math.max(longest, labelIds[k].length);
    }
    for (int r = 0; r < requests.size(); r++) {
      ScoreRequest req = requests.get(r);
      String id = req.query().id();
      int[] prompt = toInt(PromptTokens.concat(demos(req.context(), labels), prompt(req.query(), labels)));
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
          List<Integer> t = requireNonNull(targetsOf.get(q), "targets");
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
        int[] targets = requireNonNull(targetsOf.get(q), "targets").stream().mapToInt(Integer::intValue).toArray();
        int[] prefix = prefixes.get(q);
        int[] tokens = Arrays.copyOf(prompt, prompt.length + prefix.length);
        System.arraycopy(prefix, 0, tokens, prompt.length, prefix.length);
        queries.add(new Query(id, tokens, targets));
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

    /**
     * The server's base address, e.g. {@code http://127.0.0.1:8080} (required).
     *
     * @param uri the server's base address, e.g
     * @return this builder
     */
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

    /**
     * The server's base address (required).
     *
     * @param uri the server's base address (required)
     * @return this builder
     */
    public Builder endpoint(URI uri) {
      requireNonNull(uri, "uri");
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new IllegalArgumentException("endpoint must be an http(s) address with a host, but was '" + uri + "'");
      }
      this.endpoint = uri.getPath() == null || uri.getPath().isEmpty() ? uri.resolve("/") : uri;
      return this;
    }

    /**
     * The engine the server runs (required).
     *
     * @param engine the engine the server runs (required)
     * @return this builder
     */
    public Builder engine(Engine engine) {
      this.engine = requireNonNull(engine, "engine");
      return this;
    }

    /**
     * The model the server must serve (checked at start); default: whatever it serves.
     *
     * @param model the model the server must serve (checked at start)
     * @return this builder
     */
    public Builder model(String model) {
      requireNonNull(model, "model");
      if (model.isBlank()) {
        throw new IllegalArgumentException("model must not be blank");
      }
      this.model = model;
      return this;
    }

    /**
     * The vocabulary size the served model must have (checked where the engine reports it).
     *
     * @param size the vocabulary size the served model must have (checked where the engine reports
     *     it)
     * @return this builder
     */
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
     * #verifyTokenizer}). {@link Tokenizer#huggingFace} reads a {@code tokenizer.json}; {@link
     * Tokenizer#of} takes the text layer's tokenizer (icm-djl's {@code TextTokenizer}, say).
     *
     * @param tokenizer tokenizes on the client with the model's own tokenizer
     * @return this builder
     */
    public Builder tokenizer(Tokenizer tokenizer) {
      this.tokenizer = requireNonNull(tokenizer, "tokenizer");
      return this;
    }

    /**
     * Whether to check a local tokenizer against the server's at start (default true).
     *
     * @param verify whether to check a local tokenizer against the server's at start (default true)
     * @return this builder
     */
    public Builder verifyTokenizer(boolean verify) {
      this.verifyTokenizer = verify;
      return this;
    }

    /**
     * The prompt layout, icm-core's text layer's (the one {@code DjlScorer} and {@code OnnxScorer}
     * take); default {@link PromptLayout#official()}.
     *
     * @param layout the prompt layout, icm-core's text layer's (the one {@code DjlScorer} and
     *     {@code OnnxScorer} take)
     * @return this builder
     */
    public Builder layout(PromptLayout layout) {
      this.layout = requireNonNull(layout, "layout");
      return this;
    }

    /**
     * The labels whose tokens are checked at start; default {@link LabelSpace#binary()}.
     *
     * @param labels the labels whose tokens are checked at start
     * @return this builder
     */
    public Builder labels(LabelSpace labels) {
      this.labels = requireNonNull(labels, "labels");
      return this;
    }

    /**
     * How leave-one-out requests are ordered; default {@link LeaveOneOut#DIVIDE_AND_CONQUER}.
     *
     * @param mode how leave-one-out requests are ordered
     * @return this builder
     */
    public Builder leaveOneOut(LeaveOneOut mode) {
      this.mode = requireNonNull(mode, "mode");
      return this;
    }

    /**
     * How leave-one-out requests are ordered, as the text layer's order of the same name.
     *
     * @param order how leave-one-out requests are ordered, as the text layer's order of the same
     *     name
     * @return this builder
     */
    public Builder leaveOneOut(LeaveOneOutOrder order) {
      return leaveOneOut(LeaveOneOut.of(order));
    }

    /**
     * The most prompts one request carries where the engine batches (vLLM, SGLang; llama.cpp
     * runs a batch on parallel slots); default 1 for llama.cpp (its one-slot cache then sees the
     * prompts in order), 16 otherwise.
     *
     * @param prompts the most prompts one request carries where the engine batches (vLLM, SGLang
     * @return this builder
     */
    public Builder batchSize(int prompts) {
      if (prompts < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1, but was " + prompts);
      }
      this.batchSize = prompts;
      return this;
    }

    /**
     * The most requests in flight at once (default 4; match the server's parallel slots).
     *
     * @param requests the most requests in flight at once (default 4
     * @return this builder
     */
    public Builder maxInFlight(int requests) {
      if (requests < 1) {
        throw new IllegalArgumentException("maxInFlight must be >= 1, but was " + requests);
      }
      this.maxInFlight = requests;
      return this;
    }

    /**
     * How long to wait for a connection (default 10 s).
     *
     * @param timeout how long to wait for a connection (default 10 s)
     * @return this builder
     */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connectTimeout", timeout);
      return this;
    }

    /**
     * How long to wait for one answer before trying again (default 120 s).
     *
     * @param timeout how long to wait for one answer before trying again (default 120 s)
     * @return this builder
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive("requestTimeout", timeout);
      return this;
    }

    /**
     * The most one call ({@code score}, {@code scoreLeaveOneOut}, the start) may take, retries included (default 30 min).
     *
     * @param deadline the most one call ({@code score}, {@code scoreLeaveOneOut}, the start) may
     *     take, retries included (default 30 min)
     * @return this builder
     */
    public Builder deadline(Duration deadline) {
      this.deadline = positive("deadline", deadline);
      return this;
    }

    /**
     * Attempts per request, the first included (default 6; 1 = no retries).
     *
     * @param attempts attempts per request, the first included (default 6
     * @return this builder
     */
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
     *
     * @param name sends the batch's routing key in this header on every request, so that a router
     *     in front of several replicas keeps a batch on one replica (whose prefix cache then serves it)
     * @return this builder
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
     *
     * @param keep keeps the cookies the server or its gateway sets and sends them back (a cookie
     *     jar), for routers that pin a session by cookie
     * @return this builder
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
     *
     * @param tokens the most tokens one request may hold (the prompt and the generated token), for
     *     a server that does not report it (SGLang) or to hold requests under a smaller limit than it
     *     reports
     * @return this builder
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
     *
     * @param bytes the largest answer read, in bytes (default {@value
     *     HttpScorer#DEFAULT_MAX_RESPONSE_BYTES}, 8 MiB)
     * @return this builder
     */
    public Builder maxResponseBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxResponseBytes must be >= 1024, but was " + bytes);
      }
      this.maxResponseBytes = bytes;
      return this;
    }

    /**
     * Backoff before the first retry, doubled each time up to {@code max} (default 200 ms, 20 s).
     *
     * @param initial the wait before the first retry
     * @param max the longest wait between retries
     * @return this builder
     */
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
     *
     * @param variable the name of the environment variable that holds the key
     * @return this builder
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
     *
     * @return the scorer
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
