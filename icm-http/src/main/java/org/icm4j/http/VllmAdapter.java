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

/**
 * vLLM's OpenAI-compatible server: {@code POST /v1/completions} with a batch of token-id prompts,
 * {@code max_tokens: 1}, {@code logprobs: 1}, {@code allowed_token_ids: [t]} and {@code
 * return_tokens_as_token_ids: true}. The V1 sampler takes the raw log-probabilities before it
 * applies the mask ({@code --logprobs-mode raw_logprobs}, the default), so the log-probability of
 * the one allowed token is its log-probability under the full vocabulary, and the request reads
 * the prefix cache (prompt log-probabilities would not). One request per target token and batch;
 * counters: {@code usage.prompt_tokens} and {@code usage.prompt_tokens_details.cached_tokens}
 * (with {@code --enable-prompt-tokens-details}).
 */
final class VllmAdapter implements EngineAdapter {

  @Override
  public String engine() {
    return "vLLM";
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
    JsonNode max = m.get("max_model_len");
    return new ModelInfo(
        field(m, "id", engine(), about).asText(),
        null,
        max != null && max.canConvertToInt() && max.asInt() > 0 ? max.asInt() : null,
        "vLLM's max_model_len (GET /v1/models)");
  }

  @Override
  public int[] tokenize(Transport transport, String model, String text, Instant deadline) {
    return EngineAdapter.postTokenize(transport, EngineAdapter.openAiTokenizeBody(model, text), engine(), text, deadline);
  }

  @Override
  public List<Call> calls(List<Query> queries, String model, int batchSize, boolean reusePrefixes) {
    List<Call> calls = new ArrayList<>();
    for (int from = 0; from < queries.size(); from += batchSize) {
      int to = Math.min(queries.size(), from + batchSize);
      // one request per target token: allowed_token_ids is per request
      Map<Integer, List<int[]>> byTarget = EngineAdapter.cellsByTarget(queries, from, to);
      for (Map.Entry<Integer, List<int[]>> e : byTarget.entrySet()) {
        calls.add(new Completion(queries, model, e.getKey(), e.getValue()));
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

    Completion(List<Query> queries, String model, int target, List<int[]> cells) {
      this.target = target;
      this.cells = cells;
      body = Transport.JSON.createObjectNode();
      body.put("model", model);
      ArrayNode prompts = body.putArray("prompt");
      List<String> ids = new ArrayList<>();
      for (int[] c : cells) {
        prompts.add(EngineAdapter.ids(queries.get(c[0]).prompt()));
        ids.add("'" + queries.get(c[0]).exampleId() + "'");
        cellIds.add(queries.get(c[0]).exampleId());
      }
      body.put("max_tokens", 1);
      body.put("temperature", 0);
      body.put("logprobs", 1);
      body.putArray("allowed_token_ids").add(target);
      body.put("return_tokens_as_token_ids", true);
      about = "example " + String.join(", ", ids) + " (token " + target + ")";
      exampleId = queries.get(cells.get(0)[0]).exampleId();
    }

    @Override
    public String path() {
      return "/v1/completions";
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
      JsonNode choices = field(response, "choices", engine(), about);
      if (!choices.isArray() || choices.size() != cells.size()) {
        throw new IcmException(
            engine() + " answered " + (choices.isArray() ? choices.size() : "no list of") + " choice(s) for "
                + cells.size() + " prompt(s) of " + about);
      }
      boolean[] seen = new boolean[cells.size()];
      for (JsonNode choice : choices) {
        int index = field(choice, "index", engine(), about).asInt(-1);
        if (index < 0 || index >= cells.size() || seen[index]) {
          throw new IcmException(engine() + " answered a choice with index " + choice.get("index") + " for " + about);
        }
        seen[index] = true;
        try {
          readChoice(choice, index, out);
        } catch (IcmException e) {
          throw EngineAdapter.withExample(e, cellIds.get(index));
        }
      }
      JsonNode usage = response.path("usage");
      if (usage.has("prompt_tokens")) {
        long prompt = usage.path("prompt_tokens").asLong();
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
        counters.add(prompt, cached, prompt - cached);
      }
    }

    private void readChoice(JsonNode choice, int index, double[][] out) {
      JsonNode logprobs = field(choice, "logprobs", engine(), about);
      JsonNode tokens = field(logprobs, "tokens", engine(), about);
      JsonNode values = field(logprobs, "token_logprobs", engine(), about);
      if (tokens.size() != 1 || values.size() != 1) {
        throw new IcmException(
            engine() + " answered " + values.size() + " token log-probabilities for " + about + ", expected 1 (max_tokens 1)");
      }
      String expected = "token_id:" + target;
      if (!expected.equals(tokens.get(0).asText())) {
        throw new IcmException(
            engine() + " sampled " + tokens.get(0) + " instead of '" + expected + "' for " + about
                + ": it ignored allowed_token_ids or return_tokens_as_token_ids (update vLLM)");
      }
      int[] cell = cells.get(index);
      out[cell[0]][cell[1]] = EngineAdapter.logProb(values.get(0), engine(), about, target);
    }
  }
}
