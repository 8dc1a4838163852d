package org.icm4j.text;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;

/**
 * The token ids of prompts, labels and demonstrations under a {@link PromptLayout} and a {@link
 * Tokenizer}, with the checks at the prompt/label boundary every scorer needs. Ids are computed
 * once and cached. Thread-safe when the tokenizer is (as {@link Tokenizer} requires).
 *
 * <p>The checks, each an {@link IcmException} that names the example or label and says what to
 * change:
 *
 * <ul>
 *   <li>a label's text has tokens, none of them the tokenizer's unknown token;
 *   <li>a prompt has tokens and does not end with whitespace (the label's text carries the space);
 *   <li>the label's tokens are a clean continuation of the prompt's: {@code encode(prompt + label)}
 *       is {@code encode(prompt)} followed by {@code encode(label)}, and {@code encode(prompt + label
 *       + separator)} is that followed by {@code encode(separator)} (so a demonstration reads the
 *       same tokens as the query and its label);
 *   <li>every id is at least 0 and, with a known vocabulary size, below it.
 * </ul>
 *
 * <pre>{@code
 * PromptTokens tokens = PromptTokens.of(PromptLayout.official(), tokenizer, model.vocabularySize());
 * long[] query = tokens.prompt(example, LabelSpace.binary()); // checked
 * long[] demo = tokens.demo(labelledExample, LabelSpace.binary()); // prompt, label, separator
 * }</pre>
 */
public final class PromptTokens {

  private final PromptLayout layout;
  private final Tokenizer tokenizer;
  private final int vocabularySize;
  // keyed by the prompt text and the label names checked against it, not by example id: two
  // examples (of two data sets, say) may share an id and differ in prompt
  private final Map<String, long[]> prompts = new ConcurrentHashMap<>();
  private final Map<String, long[]> labels = new ConcurrentHashMap<>();
  private final long[] separator;

  private PromptTokens(PromptLayout layout, Tokenizer tokenizer, int vocabularySize) {
    this.layout = requireNonNull(layout, "layout");
    this.tokenizer = requireNonNull(tokenizer, "tokenizer");
    this.vocabularySize = vocabularySize;
    this.separator = tokenizer.encode(layout.separator()).clone();
  }

  /**
   * Token ids for a model of {@code vocabularySize} entries: every id is checked to lie below it.
   *
   * @param layout the prompt layout
   * @param tokenizer the model's tokenizer
   * @param vocabularySize the size of the model's logits' last dimension, at least 1
   * @return the token ids
   * @throws IllegalArgumentException when {@code vocabularySize < 1}
   */
  public static PromptTokens of(PromptLayout layout, Tokenizer tokenizer, int vocabularySize) {
    if (vocabularySize < 1) {
      throw new IllegalArgumentException(
          "vocabularySize must be >= 1, but was " + vocabularySize
              + ": give the size of the model's logits, or use PromptTokens.of(layout, tokenizer)");
    }
    return new PromptTokens(layout, tokenizer, vocabularySize);
  }

  /**
   * Token ids for a model whose vocabulary size is not known (a server that does not report it):
   * every check, but ids are only checked to be at least 0.
   *
   * @param layout the prompt layout
   * @param tokenizer the model's tokenizer
   * @return the token ids
   */
  public static PromptTokens of(PromptLayout layout, Tokenizer tokenizer) {
    return new PromptTokens(layout, tokenizer, 0);
  }

  /**
   * The layout.
   *
   * @return the layout
   */
  public PromptLayout layout() {
    return layout;
  }

  /**
   * The tokenizer.
   *
   * @return the tokenizer
   */
  public Tokenizer tokenizer() {
    return tokenizer;
  }

  /**
   * The ids of the separator (a copy; possibly empty).
   *
   * @return the ids of the separator (a copy
   */
  public long[] separator() {
    return separator.clone();
  }

  /**
   * The ids of a label's text.
   *
   * @param label a label name
   * @return its verbalizer's ids (the cached array: do not change it)
   * @throws IcmException when the text has no tokens, encodes to the unknown token, or has an id
   *     outside the vocabulary
   */
  public long[] label(String label) {
    long[] cached = labels.get(label);
    if (cached != null) {
      return cached;
    }
    String text = layout.verbalize(label);
    long[] ids = tokenizer.encode(text).clone();
    if (ids.length == 0) {
      throw new IcmException(
          "label '" + label + "' (text '" + text + "') has no tokens: give it a verbalizer the"
              + " tokenizer " + tokenizer + " can encode");
    }
    for (long id : ids) {
      if (tokenizer.isUnknown(id)) {
        throw new IcmException(
            "the tokenizer " + tokenizer + " has no tokens for label '" + label + "' (text '"
                + text + "' encodes to the unknown token): use a verbalizer made of tokens of its"
                + " vocabulary");
      }
      checkId(id, "label '" + label + "'");
    }
    labels.put(label, ids);
    return ids;
  }

  /**
   * The most tokens of any label of {@code space}.
   *
   * @param space the space
   * @return the most tokens of any label of {@code space}
   */
  public int longestLabel(LabelSpace space) {
    int longest = 0;
    for (String l : space.names()) {
      longest = Math.max(longest, label(l).length);
    }
    return longest;
  }

  /**
   * The ids of an example's prompt (its query), checked against every label of {@code space}.
   *
   * @param example the example
   * @param space the labels that may follow it
   * @return the ids (the cached array: do not change it)
   * @throws IcmException naming the example when its prompt has no tokens, ends with whitespace,
   *     has an id outside the vocabulary, or a label is not a clean continuation of it
   */
  public long[] prompt(Example example, LabelSpace space) {
    String prompt = layout.query(example);
    String key = prompt + '\u0000' + String.join("\u0000", space.names());
    long[] cached = prompts.get(key);
    if (cached != null) {
      return cached;
    }
    long[] ids = tokenizer.encode(prompt).clone();
    if (ids.length == 0) {
      throw new IcmException(
          "the prompt of example '" + example.id() + "' has no tokens under " + tokenizer
              + ": give it a non-blank prompt",
          example.id(),
          null);
    }
    for (long id : ids) {
      checkId(id, "the prompt of example '" + example.id() + "'");
    }
    if (!prompt.isEmpty() && isSpace(prompt.codePointBefore(prompt.length()))) {
      throw new IcmException(
          "the prompt of example '" + example.id() + "' ends with whitespace (\"" + ending(prompt)
              + "\"): end prompts without a trailing space or line break and let the label's"
              + " text carry the space (the verbalizer \"" + layout.verbalize(space.name(0))
              + "\"); otherwise the model reads two spaces before the label",
          example.id(),
          null);
    }
    for (String label : space.names()) {
      String text = prompt + layout.verbalize(label);
      long[] joint = tokenizer.encode(text);
      long[] asDemo = tokenizer.encode(text + layout.separator());
      if (!Arrays.equals(joint, concat(ids, label(label)))
          || !Arrays.equals(asDemo, concat(joint, separator))) {
        throw new IcmException(
            "label '" + label + "' tokenizes differently after the prompt of example '"
                + example.id() + "' than alone (" + Arrays.toString(label(label)) + " alone, "
                + Arrays.toString(
                    Arrays.copyOfRange(joint, Math.min(ids.length, joint.length), joint.length))
                + " in context): end prompts without a trailing space and give verbalizers a"
                + " leading space (\" True\"), or change the verbalizer",
            example.id(),
            null);
      }
    }
    prompts.put(key, ids);
    return ids;
  }

  /**
   * The ids of one demonstration: prompt, label, separator.
   *
   * @param demonstration the labelled example
   * @param space the label space
   * @return a new array
   */
  public long[] demo(LabelledExample demonstration, LabelSpace space) {
    return concat(
        concat(prompt(demonstration.example(), space), label(demonstration.label())), separator);
  }

  /**
   * The ids of several demonstrations, one after another.
   *
   * @param demonstrations the labelled examples, in reading order
   * @param space the label space
   * @return a new array (empty for no demonstrations)
   */
  public long[] demos(List<LabelledExample> demonstrations, LabelSpace space) {
    long[] all = new long[0];
    for (LabelledExample d : demonstrations) {
      all = concat(all, demo(d, space));
    }
    return all;
  }

  /**
   * Fails when the longest context the search can ask for in {@code batch} does not fit a model of
   * {@code maxLength} tokens: every other example of the batch as a demonstration with the label of
   * most tokens, then the query and that label minus its last token. Tokenizes (and so checks)
   * every prompt of the batch.
   *
   * @param space the label space
   * @param batch the examples of one batch
   * @param maxLength the most tokens the model reads at once
   * @throws IcmException naming the batch size, the tokens needed, the model's limit and a batch
   *     size that fits; or naming the example whose prompt alone does not fit
   */
  public void checkBatch(LabelSpace space, List<Example> batch, int maxLength) {
    if (batch.isEmpty()) {
      return;
    }
    int longestLabel = longestLabel(space);
    int n = batch.size();
    long[] demos = new long[n];
    long total = 0;
    int widest = 0;
    for (int i = 0; i < n; i++) {
      demos[i] = prompt(batch.get(i), space).length + longestLabel + separator.length;
      total += demos[i];
      if (demos[i] > demos[widest]) {
        widest = i;
      }
    }
    // query i: the others' demonstrations, then its prompt and the label minus its last token
    long overhead = separator.length + 1;
    long longest = total - overhead;
    if (longest <= maxLength) {
      return;
    }
    if (demos[widest] - overhead > maxLength) {
      Example e = batch.get(widest);
      throw new IcmException(
          "the prompt of example '" + e.id() + "' with the longest label takes "
              + (demos[widest] - overhead) + " tokens, more than the model's limit of " + maxLength
              + ": shorten its prompt or use a model with a longer context",
          e.id(),
          null);
    }
    long[] sorted = demos.clone();
    Arrays.sort(sorted);
    int fits = 0;
    long sum = 0;
    for (int i = n - 1; i >= 0 && sum + sorted[i] - overhead <= maxLength; i--) {
      sum += sorted[i];
      fits++;
    }
    throw new IcmException(
        "a batch of " + n + " examples can need a context of " + longest + " tokens (" + (n - 1)
            + " demonstrations and a query, with the longest label), more than the model's limit"
            + " of " + maxLength + ": use a smaller batch (Icm.Builder.batchSize(" + fits
            + ") fits any " + fits + " of these examples) or shorter prompts",
        batch.get(widest).id(),
        null);
  }

  private void checkId(long id, String what) {
    if (id < 0 || (vocabularySize > 0 && id >= vocabularySize)) {
      throw new IcmException(
          what + " has token id " + id + ", outside the model's vocabulary of "
              + (vocabularySize > 0 ? String.valueOf(vocabularySize) : "unknown size")
              + ": the tokenizer does not belong to this model");
    }
  }

  private static boolean isSpace(int codePoint) {
    return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint);
  }

  /** The last characters of a prompt, with line breaks and tabs written as escapes. */
  private static String ending(String prompt) {
    String tail = prompt.length() <= 24 ? prompt : "…" + prompt.substring(prompt.length() - 24);
    return tail.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
  }

  /**
   * {@code a} followed by {@code b}.
   *
   * @param a the first ids
   * @param b the ids after them
   * @return a new array
   */
  public static long[] concat(long[] a, long[] b) {
    long[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  @Override
  public String toString() {
    return "PromptTokens(" + layout + ", " + tokenizer + ")";
  }
}
