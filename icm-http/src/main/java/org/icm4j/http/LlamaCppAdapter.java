package org.icm4j.http;

import static org.icm4j.http.EngineAdapter.field;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.icm4j.IcmException;
import org.jspecify.annotations.Nullable;

/**
 * llama.cpp's {@code llama-server}: {@code POST /completion} with the prompt as token ids, {@code
 * n_predict: 1}, {@code n_probs: 1} and {@code logit_bias: [[t, 1000]]}, which makes t the sampled
 * token while the {@code logprob} reported for it stays the one of the raw logits (llama.cpp has
 * no prompt log-probabilities). One target per request; the server's prefix cache makes the second
 * label of a prompt cost one token. Counters: {@code timings.prompt_n} (tokens evaluated) and
 * {@code timings.cache_n} (tokens reused).
 */
final class LlamaCppAdapter implements EngineAdapter {

  static final double FORCE = 1000;

  @Override
  public String engine() {
    return "llama.cpp server";
  }

  @Override
  public ModelInfo modelInfo(Transport transport, Instant deadline) {
    String about = "the model query (GET /v1/models)";
    JsonNode root = transport.get("/v1/models", deadline, about);
    JsonNode data = field(root, "data", engine(), about);
    if (!data.isArray() || data.isEmpty()) {
      throw new IcmException(engine() + " lists no model at " + transport.base() + "/v1/models: " + Transport.quote(root.toString()));
    }
    JsonNode m = data.get(0);
    JsonNode meta = field(m, "meta", engine(), about);
    int vocab = field(meta, "n_vocab", engine(), about).asInt();
    // the context a slot holds (-c divided among the -np slots): what the server enforces
    Integer slot = slotContext(transport, deadline);
    if (slot != null) {
      return new ModelInfo(field(m, "id", engine(), about).asText(), vocab, slot,
          "the llama.cpp server's context per slot (GET /props: default_generation_settings.n_ctx)");
    }
    Integer context = null;
    for (String key : new String[] {"n_ctx", "n_ctx_train"}) {
      JsonNode v = meta.get(key);
      if (v != null && v.canConvertToInt() && v.asInt() > 0) {
        context = context == null ? v.asInt() : Math.min(context, v.asInt());
      }
    }
    return new ModelInfo(field(m, "id", engine(), about).asText(), vocab, context,
        "the model's training context (GET /v1/models: meta.n_ctx_train; the server has no /props)");
  }

  /** {@code /props}' {@code default_generation_settings.n_ctx} (or {@code n_ctx}), or null. */
  private static @Nullable Integer slotContext(Transport transport, Instant deadline) {
    JsonNode props;
    try {
      props = transport.get("/props", deadline, "the server's properties (GET /props)");
    } catch (InferenceServerException e) {
      return null; // an older server without /props
    }
    for (JsonNode v : new JsonNode[] {props.path("default_generation_settings").path("n_ctx"), props.path("n_ctx")}) {
      if (v.canConvertToInt() && v.asInt() > 0) {
        return v.asInt();
      }
    }
    return null;
  }

  @Override
  public int[] tokenize(Transport transport, String model, String text, Instant deadline) {
    ObjectNode body = Transport.JSON.createObjectNode();
    body.put("content", text);
    body.put("add_special", false);
    body.put("parse_special", false);
    return EngineAdapter.postTokenize(transport, body, engine(), text, deadline);
  }

  @Override
  public List<Call> calls(List<Query> queries, String model, int batchSize, boolean reusePrefixes) {
    List<Call> calls = new ArrayList<>();
    for (int from = 0; from < queries.size(); from += batchSize) {
      int to = Math.min(queries.size(), from + batchSize);
      // one request per target token: the bias is per request
      Map<Integer, List<int[]>> byTarget = EngineAdapter.cellsByTarget(queries, from, to);
      for (Map.Entry<Integer, List<int[]>> e : byTarget.entrySet()) {
        calls.add(new Completion(queries, e.getKey(), e.getValue(), reusePrefixes));
      }
    }
    return calls;
  }

  private final class Completion implements Call {
    private final int target;
    private final List<int[]> cells;
    private final ObjectNode body;
    private final String about;
    private final String exampleId;
    private final List<String> cellIds = new ArrayList<>();

    Completion(List<Query> queries, int target, List<int[]> cells, boolean reusePrefixes) {
      this.target = target;
      this.cells = cells;
      body = Transport.JSON.createObjectNode();
      if (cells.size() == 1) {
        body.set("prompt", EngineAdapter.ids(queries.get(cells.get(0)[0]).prompt()));
      } else {
        ArrayNode prompts = body.putArray("prompt");
        for (int[] c : cells) {
          prompts.add(EngineAdapter.ids(queries.get(c[0]).prompt()));
        }
      }
      body.put("n_predict", 1);
      body.put("n_probs", 1);
      body.put("temperature", 0);
      body.put("cache_prompt", reusePrefixes);
      body.putArray("logit_bias").addArray().add(target).add(FORCE);
      List<String> ids = new ArrayList<>();
      for (int[] c : cells) {
        ids.add("'" + queries.get(c[0]).exampleId() + "'");
        cellIds.add(queries.get(c[0]).exampleId());
      }
      about = "example " + String.join(", ", ids) + " (token " + target + ")";
      exampleId = queries.get(cells.get(0)[0]).exampleId();
    }

    @Override
    public String path() {
      return "/completion";
    }

    @Override
    public JsonNode body() {
      return body;
    }

    @Override
    public String about() {
      return about;
    }

    @Override
    public String exampleId() {
      return exampleId;
    }

    @Override
    public void read(JsonNode response, double[][] out, Counters counters) {
      List<JsonNode> results = new ArrayList<>();
      if (response.isArray()) {
        response.forEach(results::add);
      } else {
        results.add(response);
      }
      if (results.size() != cells.size()) {
        throw new IcmException(
            engine() + " answered " + results.size() + " result(s) for " + cells.size() + " prompt(s) of " + about);
      }
      for (int i = 0; i < cells.size(); i++) {
        try {
          readResult(results.get(i), cells.get(i), out, counters);
        } catch (IcmException e) {
          throw EngineAdapter.withExample(e, cellIds.get(i));
        }
      }
    }

    private void readResult(JsonNode r, int[] cell, double[][] out, Counters counters) {
      JsonNode probs = field(r, "completion_probabilities", engine(), about);
      if (!probs.isArray() || probs.size() != 1) {
        throw new IcmException(
            engine() + " answered " + (probs.isArray() ? probs.size() : "no list of") + " token probabilities for "
                + about + ", expected 1 (n_predict 1)");
      }
      JsonNode p = probs.get(0);
      int id = field(p, "id", engine(), about).asInt();
      if (id != target) {
        throw new IcmException(
            engine() + " sampled token " + id + " instead of the forced token " + target + " for " + about
                + ": it ignored logit_bias, or the token is not in its vocabulary");
      }
      out[cell[0]][cell[1]] = EngineAdapter.logProb(field(p, "logprob", engine(), about), engine(), about, target);
      JsonNode timings = r.path("timings");
      if (timings.has("prompt_n")) {
        long evaluated = timings.path("prompt_n").asLong();
        long cached = timings.path("cache_n").asLong(r.path("tokens_cached").asLong(0));
        counters.add(evaluated + cached, cached, evaluated);
      }
    }
  }
}
