package org.icm4j.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * An in-process HTTP server on 127.0.0.1 that answers as llama.cpp's server, vLLM or SGLang do
 * (their documented JSON), computing with a {@link ToyLm}, with faults injected on demand. The
 * llama.cpp flavour keeps the previous prompt as its one-slot prefix cache and reports {@code
 * timings.prompt_n}/{@code cache_n} like the real one; vLLM and SGLang report {@code
 * cached_tokens} the same way.
 */
final class StubServer implements AutoCloseable {

  /** A response as the stub would send it. */
  record Response(int status, String body, Map<String, String> headers, long delayMillis, @Nullable BodyWriter writer) {
    Response(int status, String body, Map<String, String> headers, long delayMillis) {
      this(status, body, headers, delayMillis, null);
    }

    Response withBody(String b) {
      return new Response(status, b, headers, delayMillis, writer);
    }
  }

  /** Sends the headers and writes the body its own way (a stalled or an endless body). */
  interface BodyWriter {
    void write(HttpExchange ex, byte[] body) throws IOException;
  }

  /** Turns the normal response into a faulty one. */
  interface Fault extends UnaryOperator<Response> {
    static Fault status(int code, String body) {
      return r -> new Response(code, body, Map.of(), 0);
    }

    static Fault retryAfter(int seconds) {
      return r -> new Response(429, "{\"error\":{\"message\":\"rate limited\"}}", Map.of("Retry-After", "" + seconds), 0);
    }

    static Fault delay(long millis) {
      return r -> new Response(r.status(), r.body(), r.headers(), millis);
    }

    static Fault truncate() {
      return r -> r.withBody(r.body().substring(0, r.body().length() / 2));
    }

    /**
     * Sends the headers (with the full length), the first {@code bytes} bytes of the body, and then
     * nothing for {@code millis} (or until the server closes).
     */
    static Fault stallAfter(int bytes, long millis) {
      return r -> new Response(r.status(), r.body(), r.headers(), 0, (ex, body) -> {
        ex.sendResponseHeaders(r.status(), body.length);
        OutputStream out = ex.getResponseBody();
        out.write(body, 0, Math.min(bytes, body.length));
        out.flush();
        try {
          Thread.sleep(millis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }

    /**
     * Sends a body that does not end: the start of a JSON object and then a string of 'x' for up
     * to {@code maxBytes} (a bound, so that the loop ends), until the client hangs up.
     */
    static Fault endless(long maxBytes) {
      return r -> new Response(200, r.body(), r.headers(), 0, (ex, body) -> {
        ex.sendResponseHeaders(200, 0); // chunked: no length announced
        OutputStream out = ex.getResponseBody();
        out.write("{\"content\":\"".getBytes(StandardCharsets.UTF_8));
        byte[] chunk = "x".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);
        for (long sent = 0; sent < maxBytes; sent += chunk.length) {
          out.write(chunk); // an IOException once the client has hung up ends the loop
        }
        out.close();
      });
    }

    static Fault json(UnaryOperator<JsonNode> edit) {
      return r -> {
        try {
          return r.withBody(JSON.writeValueAsString(edit.apply(JSON.readTree(r.body()))));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      };
    }
  }

  static final ObjectMapper JSON = new ObjectMapper();

  static {
    // the JDK server otherwise writes headers and body in two small packets and waits ~40 ms for
    // the delayed ACK of the first (Nagle)
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final Engine engine;
  private final ToyLm lm = new ToyLm();
  private final HttpServer server;
  private final ExecutorService pool = Executors.newFixedThreadPool(24);
  private final Map<String, Deque<Fault>> faults = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private volatile int tokenShift;
  private volatile int reportedVocabulary;
  private volatile String modelName = "toy";
  private volatile long latencyMillis;
  private volatile int contextLength = 256;
  private volatile @Nullable String trackedHeader;
  private volatile @Nullable String setCookie;
  private final java.util.List<String> tracked = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
  private volatile @Nullable String lastAuthorization;
  private int @Nullable [] lastPrompt;

  StubServer(Engine engine) throws IOException {
    this.engine = engine;
    this.reportedVocabulary = lm.vocabularySize();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  ToyLm lm() {
    return lm;
  }

  /** Queues faults for the next requests to {@code path}, one each. */
  StubServer fault(String path, Fault... f) {
    Deque<Fault> q = faults.computeIfAbsent(path, p -> new ArrayDeque<>());
    synchronized (q) {
      for (Fault x : f) {
        q.add(x);
      }
    }
    return this;
  }

  /** Tokenize as another model would: every id shifted. */
  StubServer shiftTokens(int shift) {
    this.tokenShift = shift;
    return this;
  }

  StubServer reportVocabulary(int n) {
    this.reportedVocabulary = n;
    return this;
  }

  StubServer modelName(String name) {
    this.modelName = name;
    return this;
  }

  /**
   * Records, for every later request, its path and the value of header {@code name} (or of the
   * {@code Cookie} header when {@code name} is "Cookie"), as "path value" ("path null" when absent).
   */
  StubServer trackHeader(String name) {
    this.trackedHeader = name;
    return this;
  }

  /** Every answer from now on sets this cookie ({@code Set-Cookie}). */
  StubServer setCookie(String cookie) {
    this.setCookie = cookie;
    return this;
  }

  /** What {@link #trackHeader} recorded, in order. */
  java.util.List<String> tracked() {
    synchronized (tracked) {
      return java.util.List.copyOf(tracked);
    }
  }

  /** The context llama.cpp's {@code /props} (per slot) and vLLM's {@code max_model_len} report. */
  StubServer contextLength(int tokens) {
    this.contextLength = tokens;
    return this;
  }

  StubServer latency(long millis) {
    this.latencyMillis = millis;
    return this;
  }

  int hits(String path) {
    AtomicInteger n = hits.get(path);
    return n == null ? 0 : n.get();
  }

  int maxConcurrent() {
    return maxInFlight.get();
  }

  @Nullable String lastAuthorization() {
    return lastAuthorization;
  }

  private void handle(HttpExchange ex) throws IOException {
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    boolean counted = true;
    try {
      String path = ex.getRequestURI().getPath();
      hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      lastAuthorization = ex.getRequestHeaders().getFirst("Authorization");
      String trackedName = trackedHeader;
      if (trackedName != null) {
        tracked.add(path + " " + ex.getRequestHeaders().getFirst(trackedName));
      }
      JsonNode body = ex.getRequestMethod().equals("POST")
          ? JSON.readTree(ex.getRequestBody().readAllBytes()) : JSON.createObjectNode();
      Response r;
      try {
        r = new Response(200, JSON.writeValueAsString(answer(path, body)), Map.of(), 0);
      } catch (NotFound e) {
        r = new Response(404, "{\"error\":{\"code\":404,\"message\":\"" + e.getMessage() + "\",\"type\":\"not_found_error\"}}", Map.of(), 0);
      } catch (IllegalArgumentException e) {
        r = new Response(400, "{\"error\":{\"code\":400,\"message\":\"" + e.getMessage().replace("\n", "\\n") + "\",\"type\":\"invalid_request_error\"}}", Map.of(), 0);
      }
      Deque<Fault> q = faults.get(path);
      if (q != null) {
        Fault f;
        synchronized (q) {
          f = q.poll();
        }
        if (f != null) {
          r = f.apply(r);
        }
      }
      long wait = r.delayMillis() + latencyMillis;
      if (wait > 0) {
        try {
          Thread.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      // no longer in flight once the answer goes out: the client may send its next request as
      // soon as it has read this one, before this handler returns
      inFlight.decrementAndGet();
      counted = false;
      byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      String cookie = setCookie;
      if (cookie != null) {
        ex.getResponseHeaders().set("Set-Cookie", cookie);
      }
      r.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      try {
        if (r.writer() != null) {
          r.writer().write(ex, bytes);
        } else {
          ex.sendResponseHeaders(r.status(), bytes.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
          }
        }
      } catch (IOException ignored) {
        // the client gave up (a timeout test)
      }
    } finally {
      if (counted) {
        inFlight.decrementAndGet();
      }
      ex.close();
    }
  }

  private static final class NotFound extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotFound(String m) {
      super(m);
    }
  }

  private JsonNode answer(String path, JsonNode body) {
    switch (engine) {
      case LLAMA_CPP:
        return llama(path, body);
      case VLLM:
        return vllm(path, body);
      case SGLANG:
        return sglang(path, body);
      default:
        throw new AssertionError(engine);
    }
  }

  private int[] prompt(JsonNode a) {
    int[] p = new int[a.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = a.get(i).asInt();
      if (p[i] < 0 || p[i] >= lm.vocabularySize()) {
        throw new IllegalArgumentException("invalid token " + p[i]);
      }
    }
    if (p.length == 0) {
      throw new IllegalArgumentException("empty prompt");
    }
    return p;
  }

  private ArrayNode tokens(String text) {
    ArrayNode a = JSON.createArrayNode();
    for (int id : ToyLm.encode(text, tokenShift)) {
      a.add(id);
    }
    return a;
  }

  private static int argmax(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  /** The one-slot prefix cache: tokens of {@code p} reused from the previous prompt. */
  private synchronized int cached(int[] p, boolean use) {
    int common = 0;
    if (use && lastPrompt != null) {
      while (common < p.length - 1 && common < lastPrompt.length && lastPrompt[common] == p[common]) {
        common++;
      }
    }
    lastPrompt = p;
    return common;
  }

  // ------------------------------------------------------------------ llama.cpp

  private JsonNode llama(String path, JsonNode body) {
    switch (path) {
      case "/v1/models": {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("models").addObject().put("name", modelName).put("model", modelName);
        root.put("object", "list");
        ObjectNode m = root.putArray("data").addObject();
        m.put("id", modelName).put("object", "model").put("created", 0).put("owned_by", "llamacpp");
        m.putObject("meta").put("vocab_type", 2).put("n_vocab", reportedVocabulary)
            .put("n_ctx_train", 256).put("n_embd", 16).put("n_params", 1000).put("size", 4000);
        return root;
      }
      case "/props": {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("default_generation_settings").put("id", 0).put("id_task", -1).put("n_ctx", contextLength)
            .put("speculative", false).put("is_processing", false);
        return root.put("total_slots", 1).put("model_path", modelName).put("build_info", "stub");
      }
      case "/tokenize": {
        ObjectNode r = JSON.createObjectNode();
        r.set("tokens", tokens(body.path("content").asText()));
        return r;
      }
      case "/completion": {
        JsonNode p = body.path("prompt");
        boolean many = p.isArray() && p.size() > 0 && p.get(0).isArray();
        JsonNode bias = body.path("logit_bias");
        int forced = bias.isArray() && bias.size() == 1 ? bias.get(0).get(0).asInt() : -1;
        if (!many) {
          return completion(prompt(p), forced, body.path("cache_prompt").asBoolean(true), 0);
        }
        ArrayNode out = JSON.createArrayNode();
        for (int i = 0; i < p.size(); i++) {
          out.add(completion(prompt(p.get(i)), forced, body.path("cache_prompt").asBoolean(true), i));
        }
        return out;
      }
      default:
        throw new NotFound("File Not Found");
    }
  }

  private JsonNode completion(int[] p, int forced, boolean cache, int index) {
    double[] lp = lm.nextTokenLogProbs(p);
    int tok = forced >= 0 ? forced : argmax(lp);
    int top = argmax(lp);
    int reused = cached(p, cache);
    ObjectNode r = JSON.createObjectNode();
    r.put("index", index).put("content", ToyLm.WORDS.get(tok)).putArray("tokens");
    r.put("id_slot", 0).put("stop", true).put("model", modelName).put("tokens_predicted", 1)
        .put("tokens_evaluated", p.length);
    ObjectNode c = r.putArray("completion_probabilities").addObject();
    c.put("id", tok).put("token", ToyLm.WORDS.get(tok)).putArray("bytes");
    c.put("logprob", (float) lp[tok]);
    c.putArray("top_logprobs").addObject().put("id", top).put("token", ToyLm.WORDS.get(top)).put("logprob", (float) lp[top]);
    r.put("tokens_cached", p.length);
    r.putObject("timings").put("cache_n", reused).put("prompt_n", p.length - reused).put("prompt_ms", 1.0)
        .put("predicted_n", 1).put("predicted_ms", 1.0);
    return r;
  }

  // ------------------------------------------------------------------ vLLM

  private JsonNode vllm(String path, JsonNode body) {
    switch (path) {
      case "/v1/models": {
        ObjectNode root = JSON.createObjectNode().put("object", "list");
        ObjectNode m = root.putArray("data").addObject();
        m.put("id", modelName).put("object", "model").put("created", 0).put("owned_by", "vllm")
            .put("root", modelName).putNull("parent");
        m.put("max_model_len", contextLength).putArray("permission");
        return root;
      }
      case "/tokenize": {
        checkModel(body);
        ArrayNode t = tokens(body.path("prompt").asText());
        ObjectNode r = JSON.createObjectNode().put("count", t.size()).put("max_model_len", 256);
        r.set("tokens", t);
        r.putNull("token_strs");
        return r;
      }
      case "/v1/completions": {
        checkModel(body);
        JsonNode prompts = body.path("prompt");
        int allowed = body.path("allowed_token_ids").get(0).asInt();
        ObjectNode r = JSON.createObjectNode().put("id", "cmpl-stub").put("object", "text_completion")
            .put("created", 0).put("model", modelName);
        ArrayNode choices = r.putArray("choices");
        long promptTokens = 0;
        long cachedTokens = 0;
        for (int i = 0; i < prompts.size(); i++) {
          int[] p = prompt(prompts.get(i));
          double[] lp = lm.nextTokenLogProbs(p);
          promptTokens += p.length;
          cachedTokens += cached(p, true);
          ObjectNode c = choices.addObject().put("index", i).put("text", " " + ToyLm.WORDS.get(allowed));
          ObjectNode l = c.putObject("logprobs");
          l.putArray("text_offset").add(0);
          l.putArray("token_logprobs").add((float) lp[allowed]);
          l.putArray("tokens").add("token_id:" + allowed);
          l.putArray("top_logprobs").addObject().put("token_id:" + allowed, (float) lp[allowed]);
          c.put("finish_reason", "length").putNull("stop_reason").putNull("prompt_logprobs");
        }
        ObjectNode usage = r.putObject("usage").put("prompt_tokens", promptTokens)
            .put("total_tokens", promptTokens + prompts.size()).put("completion_tokens", prompts.size());
        usage.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
        return r;
      }
      default:
        throw new NotFound("Not Found");
    }
  }

  private void checkModel(JsonNode body) {
    if (!modelName.equals(body.path("model").asText())) {
      throw new NotFound("The model `" + body.path("model").asText() + "` does not exist.");
    }
  }

  // ------------------------------------------------------------------ SGLang

  private JsonNode sglang(String path, JsonNode body) {
    switch (path) {
      case "/get_model_info":
        return JSON.createObjectNode().put("model_path", modelName).put("tokenizer_path", modelName)
            .put("is_generation", true);
      case "/tokenize": {
        ArrayNode t = tokens(body.path("prompt").asText());
        ObjectNode r = JSON.createObjectNode();
        r.set("tokens", t);
        return r.put("count", t.size()).put("max_model_len", 256);
      }
      case "/generate": {
        JsonNode inputs = body.path("input_ids");
        JsonNode wanted = body.path("token_ids_logprob");
        ArrayNode out = JSON.createArrayNode();
        for (int i = 0; i < inputs.size(); i++) {
          int[] p = prompt(inputs.get(i));
          double[] lp = lm.nextTokenLogProbs(p);
          int top = argmax(lp);
          ObjectNode r = out.addObject().put("text", " " + ToyLm.WORDS.get(top));
          r.putArray("output_ids").add(top);
          ObjectNode meta = r.putObject("meta_info").put("id", "req-" + i);
          meta.putObject("finish_reason").put("type", "length").put("length", 1);
          meta.put("prompt_tokens", p.length).put("completion_tokens", 1).put("cached_tokens", cached(p, true));
          meta.putArray("input_token_logprobs").addArray().addNull().add(p[0]).addNull();
          meta.putArray("output_token_logprobs").addArray().add((float) lp[top]).add(top).addNull();
          ArrayNode entries = meta.putArray("output_token_ids_logprobs").addArray();
          for (JsonNode t : wanted.get(i)) {
            entries.addArray().add((float) lp[t.asInt()]).add(t.asInt()).addNull();
          }
          meta.put("e2e_latency", 0.001);
        }
        return out;
      }
      default:
        throw new NotFound("Not Found");
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
