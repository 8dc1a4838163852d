package org.icm4j.djl;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icm4j.IcmException;

/**
 * The tokenizer part of a GGUF file ({@code tokenizer.ggml.*}): the vocabulary in id order, each
 * token's type, the BPE merges and the special token ids, as llama.cpp reads them. Immutable and
 * thread-safe.
 *
 * <p>Two ways to build one: {@link #words} for a word-level vocabulary such as the synthetic
 * world's (words split at spaces, a newline its own token), and {@link #huggingFaceBpe} for a
 * Hugging Face byte-level BPE {@code tokenizer.json} (GPT-2 style). Either way llama.cpp's own
 * tokenizer ({@code /tokenize}) then gives the same ids as the model's tokenizer for text the model
 * was trained on; a client that sends token ids (as icm-http's scorer does) does not depend on it.
 *
 * @param model {@code tokenizer.ggml.model}, {@code "gpt2"} (llama.cpp's BPE)
 * @param preTokenizer {@code tokenizer.ggml.pre}: {@code "whitespace"} (split at whitespace, no
 *     byte-level encoding) or {@code "gpt-2"} (GPT-2's regex and byte-level encoding)
 * @param tokens the token texts in id order, distinct (copied)
 * @param tokenTypes llama.cpp's token type of each token: {@link #NORMAL}, {@link #CONTROL} or
 *     {@link #USER_DEFINED} (copied)
 * @param merges the BPE merges, {@code "left right"}, best first (copied)
 * @param bosId the id llama.cpp uses as beginning-of-sequence (never added to a token-id prompt)
 * @param eosId the end-of-sequence id
 */
public record GgufVocabulary(
    String model,
    String preTokenizer,
    List<String> tokens,
    List<Integer> tokenTypes,
    List<String> merges,
    int bosId,
    int eosId) {

  /** A token llama.cpp's BPE finds by its merges. */
  public static final int NORMAL = 1;

  /** A special token (padding, end of text) that plain text never produces. */
  public static final int CONTROL = 3;

  /** A token matched verbatim in the text before BPE and written back verbatim. */
  public static final int USER_DEFINED = 4;

  /**
   * Validates sizes, ids and types; see the record description.
   *
   * @param model {@code tokenizer.ggml.model}, {@code "gpt2"} (llama.cpp's BPE)
   * @param preTokenizer {@code tokenizer.ggml.pre}: {@code "whitespace"} (split at whitespace, no
   *     byte-level encoding) or {@code "gpt-2"} (GPT-2's regex and byte-level encoding)
   * @param tokens the token texts in id order, distinct (copied)
   * @param tokenTypes llama.cpp's token type of each token: {@link #NORMAL}, {@link #CONTROL} or
   *     {@link #USER_DEFINED} (copied)
   * @param merges the BPE merges, {@code "left right"}, best first (copied)
   * @param bosId the id llama.cpp uses as beginning-of-sequence (never added to a token-id prompt)
   * @param eosId the end-of-sequence id
   */
  public GgufVocabulary {
    requireNonNull(model, "model");
    requireNonNull(preTokenizer, "preTokenizer");
    tokens = List.copyOf(requireNonNull(tokens, "tokens"));
    tokenTypes = List.copyOf(requireNonNull(tokenTypes, "tokenTypes"));
    merges = List.copyOf(requireNonNull(merges, "merges"));
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException("a vocabulary needs at least one token, but was empty");
    }
    if (tokenTypes.size() != tokens.size()) {
      throw new IllegalArgumentException(
          "tokenTypes must have one entry per token (" + tokens.size() + "), but had "
              + tokenTypes.size());
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < tokens.size(); i++) {
      if (tokens.get(i).isEmpty()) {
        throw new IllegalArgumentException("token " + i + " is empty");
      }
      if (!seen.add(tokens.get(i))) {
        throw new IllegalArgumentException(
            "token " + i + " '" + tokens.get(i) + "' appears twice: llama.cpp needs distinct tokens");
      }
      int type = tokenTypes.get(i);
      if (type != NORMAL && type != CONTROL && type != USER_DEFINED) {
        throw new IllegalArgumentException(
            "type of token " + i + " must be NORMAL (1), CONTROL (3) or USER_DEFINED (4), but was " + type);
      }
    }
    for (String m : merges) {
      int space = m.indexOf(' ', 1);
      if (space < 0 || space == m.length() - 1) {
        throw new IllegalArgumentException("merge '" + m + "' is not of the form 'left right'");
      }
    }
    checkId("bosId", bosId, tokens.size());
    checkId("eosId", eosId, tokens.size());
  }

  /**
   * Number of tokens.
   *
   * @return number of tokens
   */
  public int size() {
    return tokens.size();
  }

  /**
   * A word-level vocabulary: the text is split at whitespace and each piece is one token, a newline
   * its own token (the synthetic world's tokenizer). Words are NORMAL tokens reached by BPE merges:
   * every split of every substring of every word is a merge, so any two adjacent pieces of a word
   * can always merge and each word ends as one token. Tokens holding whitespace (the newline) are
   * USER_DEFINED (matched verbatim); {@code padId} is a CONTROL token and serves as BOS and EOS.
   *
   * @param words the vocabulary in id order, distinct; a token with a space in it is rejected
   * @param padId the id of the padding token (never produced by text)
   * @throws IllegalArgumentException naming the word that cannot be a token
   *
   * @return a word-level vocabulary
   */
  public static GgufVocabulary words(List<String> words, int padId) {
    requireNonNull(words, "words");
    checkId("padId", padId, words.size());
    List<Integer> types = new ArrayList<>(words.size());
    Set<String> merges = new LinkedHashSet<>();
    for (int i = 0; i < words.size(); i++) {
      String w = requireNonNull(words.get(i), "word");
      if (w.indexOf(' ') >= 0) {
        throw new IllegalArgumentException(
            "word " + i + " '" + w + "' holds a space: a word-level vocabulary splits text at spaces");
      }
      if (i == padId) {
        types.add(CONTROL);
      } else if (w.chars().anyMatch(Character::isWhitespace)) {
        types.add(USER_DEFINED);
      } else {
        types.add(NORMAL);
        addSubstringMerges(w, merges);
      }
    }
    return new GgufVocabulary("gpt2", "whitespace", words, types, new ArrayList<>(merges), padId, padId);
  }

  /** Adds {@code "a b"} for every substring {@code s = a + b} of {@code word} (by code point). */
  private static void addSubstringMerges(String word, Set<String> merges) {
    int[] cps = word.codePoints().toArray();
    for (int len = 2; len <= cps.length; len++) {
      for (int from = 0; from + len <= cps.length; from++) {
        for (int cut = from + 1; cut < from + len; cut++) {
          merges.add(new String(cps, from, cut - from) + " " + new String(cps, cut, from + len - cut));
        }
      }
    }
  }

  /**
   * The vocabulary and merges of a Hugging Face byte-level BPE {@code tokenizer.json} (model type
   * {@code BPE}, GPT-2's byte-to-unicode spelling, as GPT-2 and most GPT-2-style models ship it).
   * Added tokens marked special become CONTROL tokens; the first of them (or id 0) serves as BOS
   * and EOS.
   *
   * @param tokenizerJson the file
   * @return the vocabulary in id order
   * @throws IcmException naming the file when it is not such a tokenizer or its ids have gaps
   * @throws UncheckedIOException when it cannot be read
   */
  public static GgufVocabulary huggingFaceBpe(Path tokenizerJson) {
    requireNonNull(tokenizerJson, "tokenizerJson");
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(tokenizerJson));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + tokenizerJson, e);
    }
    JsonNode model = root.path("model");
    if (!"BPE".equals(model.path("type").asText())) {
      throw new IcmException(
          tokenizerJson + " holds a tokenizer of model type '" + model.path("type").asText()
              + "', not BPE: only byte-level BPE tokenizers export to GGUF this way (use"
              + " GgufVocabulary.words for a word-level vocabulary)");
    }
    Map<Integer, String> byId = new java.util.TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      byId.put(e.getValue().asInt(), e.getKey());
    }
    Set<Integer> special = new java.util.TreeSet<>();
    for (JsonNode added : root.path("added_tokens")) {
      byId.put(added.path("id").asInt(), added.path("content").asText());
      if (added.path("special").asBoolean(false)) {
        special.add(added.path("id").asInt());
      }
    }
    List<String> tokens = new ArrayList<>(byId.size());
    List<Integer> types = new ArrayList<>(byId.size());
    for (Map.Entry<Integer, String> e : byId.entrySet()) {
      if (e.getKey() != tokens.size()) {
        throw new IcmException(
            tokenizerJson + " has no token with id " + tokens.size() + ": GGUF needs ids 0.."
                + (byId.size() - 1) + " without gaps");
      }
      tokens.add(e.getValue());
      types.add(special.contains(e.getKey()) ? CONTROL : NORMAL);
    }
    List<String> merges = new ArrayList<>();
    for (JsonNode m : model.path("merges")) {
      merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
    }
    int bos = special.isEmpty() ? 0 : special.iterator().next();
    return new GgufVocabulary("gpt2", "gpt-2", tokens, types, merges, bos, bos);
  }

  private static void checkId(String name, int id, int size) {
    if (id < 0 || id >= size) {
      throw new IllegalArgumentException(
          name + " must be a token id in [0, " + size + "), but was " + id);
    }
  }
}
