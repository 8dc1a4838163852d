package org.icm4j.http;

import static org.icm4j.http.EngineAdapter.field;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.icm4j.IcmException;

/**
 * SGLang's native {@code POST /generate}: a batch of {@code input_ids}, {@code max_new_tokens: 1},
 * {@code return_logprob: true} and {@code token_ids_logprob} (the label tokens of each prompt); the
 * answers are in {@code meta_info.output_token_ids_logprobs[0]} as {@code [logprob, id, text]}.
 * All targets of a prompt come in one request, and the radix cache stays usable (no input
 * log-probabilities are asked for). Counters: {@code meta_info.prompt_tokens} and {@code
 * cached_tokens}.
 */
final class SglangAdapter implements EngineAdapter {

  @Override
  public String engine() {
    return "SGLang";
  }

  @Override
  public ModelInfo modelInfo(Transport transport, Instant deadline) {
    String about = "the model query (GET /get_model_info)";
    JsonNode root = transport.get("/get_model_info", deadline, about);
    return new ModelInfo(field(root, "model_path", engine(), about).asText(), null, null, "SGLang reports none");
  }

  @Override
  public int[] tokenize(Transport transport, String model, String text, Instant deadline) {
    return EngineAdapter.postTokenize(transport, EngineAdapter.openAiTokenizeBody(model, text), engine(), text, deadline);
  }

  @Override
  public List<Call> calls(List<Query> queries, String model, int batchSize, boolean reusePrefixes) {
    List<Call> calls = new ArrayList<>();
    for (int from = 0; from < queries.size(); from += batchSize) {
      calls.add(new Generate(queries, from, Math.min(queries.size(), from + batchSize)));
    }
    return calls;
  }

  private final class Generate implements Call {
    private final List<Query> queries;
    private final int from;
    private final int to;
    private final ObjectNode body;
    private final String about;
    private final String exampleId;

    Generate(List<Query> queries, int from, int to) {
      this.queries = queries;
      this.from = from;
      this.to = to;
      body = Transport.JSON.createObjectNode();
      ArrayNode inputs = body.putArray("input_ids");
      ArrayNode targets = body.putArray("token_ids_logprob");
      List<String> ids = new ArrayList<>();
      for (int q = from; q < to; q++) {
        inputs.add(EngineAdapter.ids(queries.get(q).prompt()));
        targets.add(EngineAdapter.ids(queries.get(q).targets()));
        ids.add("'" + queries.get(q).exampleId() + "'");
      }
      ObjectNode sampling = body.putObject("sampling_params");
      sampling.put("max_new_tokens", 1);
      sampling.put("temperature", 0);
      body.put("return_logprob", true);
      about = "example " + String.join(", ", ids);
      exampleId = queries.get(from).exampleId();
    }

    @Override
    public String path() {
      return "/generate";
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
      int n = to - from;
      if (!response.isArray() || response.size() != n) {
        throw new IcmException(
            engine() + " answered " + (response.isArray() ? response.size() + " result(s)" : "a single object")
                + " for " + n + " prompt(s) of " + about);
      }
      for (int i = 0; i < n; i++) {
        Query q = queries.get(from + i);
        try {
          readOne(response.get(i), q, from + i, out, counters);
        } catch (IcmException e) {
          throw EngineAdapter.withExample(e, q.exampleId());
        }
      }
    }

    private void readOne(JsonNode result, Query q, int row, double[][] out, Counters counters) {
      String one = "example '" + q.exampleId() + "'";
      JsonNode meta = field(result, "meta_info", engine(), one);
      JsonNode positions = field(meta, "output_token_ids_logprobs", engine(), one);
      if (!positions.isArray() || positions.size() != 1) {
        throw new IcmException(
            engine() + " answered " + positions.size() + " output positions for " + one + ", expected 1 (max_new_tokens 1)");
      }
      JsonNode entries = positions.get(0);
      int[] targets = q.targets();
      if (!entries.isArray() || entries.size() != targets.length) {
        throw new IcmException(
            engine() + " answered " + entries.size() + " log-probabilities for " + one + ", expected "
                + targets.length + " (one per token of token_ids_logprob)");
      }
      for (int k = 0; k < targets.length; k++) {
        JsonNode found = null;
        for (JsonNode e : entries) {
          if (e.isArray() && e.size() >= 2 && e.get(1).asInt(-1) == targets[k]) {
            found = e;
          }
        }
        if (found == null) {
          throw new IcmException(
              engine() + " gave no log-probability for token " + targets[k] + " of " + one + ": "
                  + Transport.quote(entries.toString()));
        }
        out[row][k] = EngineAdapter.logProb(found.get(0), engine(), one, targets[k]);
      }
      if (meta.has("prompt_tokens")) {
        long prompt = meta.path("prompt_tokens").asLong();
        long cached = meta.path("cached_tokens").asLong(0);
        counters.add(prompt, cached, prompt - cached);
      }
    }
  }
}
