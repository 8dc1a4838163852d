package org.icm4j.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import org.icm4j.IcmException;
import org.jspecify.annotations.Nullable;

/**
 * What one engine's HTTP API looks like: where the model is described, how text is tokenized, and
 * how "the log-probability of token t after prompt p" is asked for and read. One small
 * implementation per engine; {@link HttpScorer} does the rest (prompts, order, concurrency,
 * checks). Implementations are stateless and thread-safe.
 */
interface EngineAdapter {

  /**
   * What the server says about its model.
   *
   * @param name the model's name (vLLM needs it in every request)
   * @param vocabularySize the size of its vocabulary, or {@code null} when the engine does not say
   * @param contextLength the most tokens a request may hold (prompt and generated token), or
   *     {@code null} when the engine does not say
   * @param contextSource where {@code contextLength} comes from, for messages
   */
  record ModelInfo(
      String name, @Nullable Integer vocabularySize, @Nullable Integer contextLength, String contextSource) {}

  /**
   * One question: the log-probability of each of {@code targets} as the token after {@code
   * prompt}.
   *
   * @param exampleId the example the question is about, for messages
   * @param prompt token ids
   * @param targets distinct token ids
   */
  record Query(String exampleId, int[] prompt, int[] targets) {}

  /** One HTTP request answering some (query, target) cells. */
  interface Call {
    /** Path relative to the server's base address. */
    String path();

    /** The JSON body. */
    JsonNode body();

    /** The examples it is about, for messages. */
    String about();

    /** The first example it is about: {@link IcmException#exampleId()} of its failures. */
    String exampleId();

    /**
     * Reads the answer into {@code out[query][target]} and adds the server's counters.
     *
     * @throws IcmException when the answer lacks a field, has the wrong number of entries, names
     *     another token than the one asked for, or holds a value that is not a finite log-probability
     */
    void read(JsonNode response, double[][] out, Counters counters);
  }

  /** The engine's name in messages. */
  String engine();

  /** Asks the server for its model. */
  ModelInfo modelInfo(Transport transport, Instant deadline);

  /** The server's tokenization of {@code text}, without special tokens. */
  int[] tokenize(Transport transport, String model, String text, Instant deadline);

  /**
   * The requests that answer {@code queries}, in the order they should be sent (consecutive
   * prompts share prefixes, so send them in order).
   *
   * @param queries the questions, in order; {@code out} rows follow their indices
   * @param model the model name
   * @param batchSize the most prompts one request may carry (where the engine batches)
   * @param reusePrefixes whether the server may reuse cached prefixes (where it can be told)
   */
  List<Call> calls(List<Query> queries, String model, int batchSize, boolean reusePrefixes);

  /** Server counters, added up over calls; thread-safe. */
  final class Counters {
    final java.util.concurrent.atomic.AtomicLong promptTokens = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong cachedTokens = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong evaluatedTokens = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong reported = new java.util.concurrent.atomic.AtomicLong();

    void add(long prompt, long cached, long evaluated) {
      promptTokens.addAndGet(prompt);
      cachedTokens.addAndGet(cached);
      evaluatedTokens.addAndGet(evaluated);
      reported.incrementAndGet();
    }
  }

  // ------------------------------------------------------------------ helpers for adapters

  /** A required field, or a clear error naming it and the examples. */
  static JsonNode field(JsonNode node, String name, String engine, String about) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      throw new IcmException(
          engine + " answer for " + about + " has no field '" + name + "': " + Transport.quote(node.toString())
              + " (is this the right engine and version? see docs/remote.md)");
    }
    return v;
  }

  /**
   * {@code e} with {@code exampleId} when it names no example (the same type, message, cause and
   * stack trace), else {@code e}.
   */
  static IcmException withExample(IcmException e, String exampleId) {
    if (e.exampleId() != null) {
      return e;
    }
    IcmException r = e instanceof InferenceServerException
        ? new InferenceServerException(String.valueOf(e.getMessage()), exampleId, e.getCause())
        : new IcmException(String.valueOf(e.getMessage()), exampleId, e.getCause());
    r.setStackTrace(e.getStackTrace());
    return r;
  }

  /** A finite log-probability (at most 0, above the float underflow value) or a clear error. */
  static double logProb(JsonNode v, String engine, String about, int token) {
    if (!v.isNumber()) {
      throw new IcmException(
          engine + " gave " + about + " a log-probability for token " + token + " that is not a number: " + v);
    }
    double lp = v.asDouble();
    if (!Double.isFinite(lp)) {
      throw new IcmException(
          engine + " gave " + about + " the log-probability " + lp + " for token " + token
              + ", which is not finite: the model's logits overflowed or the server is broken");
    }
    if (lp > 1e-6) {
      throw new IcmException(
          engine + " gave " + about + " the log-probability " + lp + " for token " + token
              + ", which is above 0, that is a probability of " + Math.exp(lp) + " > 1: it reports"
              + " something else than log-probabilities over the full vocabulary (logits, or scores"
              + " after a penalty or bias; see docs/remote.md for the engine's flags)");
    }
    if (lp < -1e30) {
      throw new IcmException(
          engine + " gave " + about + " a probability that underflows float for token " + token
              + " (log-probability " + lp + "): it cannot report this label exactly");
    }
    return Math.min(lp, 0.0);
  }

  /**
   * The (query, target index) cells of {@code queries[from, to)} grouped by target token, in the
   * order targets first appear: for engines that take one target per request.
   */
  static java.util.Map<Integer, List<int[]>> cellsByTarget(List<Query> queries, int from, int to) {
    java.util.Map<Integer, List<int[]>> byTarget = new java.util.LinkedHashMap<>();
    for (int q = from; q < to; q++) {
      int[] targets = queries.get(q).targets();
      for (int k = 0; k < targets.length; k++) {
        byTarget.computeIfAbsent(targets[k], t -> new java.util.ArrayList<>()).add(new int[] {q, k});
      }
    }
    return byTarget;
  }

  /** POSTs a tokenize request and reads its {@code tokens}. */
  static int[] postTokenize(Transport transport, JsonNode body, String engine, String text, Instant deadline) {
    String about = "tokenizing " + Transport.quote(text);
    JsonNode r = transport.post("/tokenize", body, deadline, about);
    return intArray(field(r, "tokens", engine, about), engine, about);
  }

  /** The OpenAI-style tokenize body of vLLM and SGLang. */
  static JsonNode openAiTokenizeBody(String model, String text) {
    com.fasterxml.jackson.databind.node.ObjectNode body = Transport.JSON.createObjectNode();
    body.put("model", model);
    body.put("prompt", text);
    body.put("add_special_tokens", false);
    return body;
  }

  static com.fasterxml.jackson.databind.node.ArrayNode ids(int[] ids) {
    com.fasterxml.jackson.databind.node.ArrayNode a = Transport.JSON.createArrayNode();
    for (int id : ids) {
      a.add(id);
    }
    return a;
  }

  static int[] intArray(JsonNode a, String engine, String about) {
    if (!a.isArray()) {
      throw new IcmException(engine + " answer for " + about + " holds " + a + " where a list of token ids belongs");
    }
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      if (!a.get(i).canConvertToInt()) {
        throw new IcmException(engine + " answer for " + about + " holds " + a.get(i) + " where a token id belongs");
      }
      out[i] = a.get(i).asInt();
    }
    return out;
  }
}
