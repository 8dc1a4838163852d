package org.icm4j.djl.train;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.text.PromptLayout;
import org.icm4j.text.PromptTokens;
import org.jspecify.annotations.Nullable;

/**
 * Token sequences of labelled examples laid out as {@link org.icm4j.djl.DjlScorer} lays out its
 * prompts: each example but the last is a demonstration, {@code prompt + verbalizer(label) +
 * separator}, the last is {@code prompt + verbalizer(label)}. The token ids come from icm-core's
 * text layer ({@link PromptTokens}, the scorers' own), so a sequence is exactly the tokens a scorer
 * reads. The training targets are the label tokens only: each is predicted from everything before
 * it, exactly the log-probability the scorer reads for that example with the examples before it as
 * context (none for a sequence of one example: zero-shot).
 *
 * <p>With a label space (labels of ICM, a reward model's two labels), prompts are the text layer's
 * checked prompts ({@link PromptTokens#prompt}: no trailing whitespace, each label a clean
 * continuation), as the scorer checks them. Without one (free-text continuations such as a choice
 * question's answers, which may follow a line break), a prompt's ids are the tokenizer's ids of its
 * text, checked only for being non-empty and inside the vocabulary; labels are the text layer's in
 * both cases. Thread-safe as {@link PromptTokens} is.
 */
final class LabelSequences {

  /**
   * One sequence and the positions (indices into {@code tokens}) of its label tokens.
   *
   * @param tokens the token ids
   * @param labelPositions indices of label tokens, ascending, each at least 1
   */
  record Sequence(long[] tokens, int[] labelPositions) {}

  /**
   * A batch of sequences as arrays: inputs {@code [B, L]} (each sequence without its last token,
   * right-padded with 0), the targets {@code [N]} (the label tokens, in row-major order of their
   * positions) and the flat indices {@code [N, V]} of the logits that predict them, for {@code
   * take} on the {@code [B, L, V]} logits: row {@code k} holds {@code (b * L + t) * V + v} for
   * {@code v = 0 .. V-1}, where {@code (b, t)} predicts target {@code k}.
   *
   * @param inputs token ids, int64
   * @param attention 1 for tokens, 0 for padding, int64 {@code [B, L]} (for models whose forward
   *     takes an attention mask)
   * @param logitIndices flat indices, int64
   * @param targets token ids, int64
   * @param labelTokens N
   * @param tokens non-padding input tokens
   */
  record Batch(
      NDArray inputs, NDArray attention, NDArray logitIndices, NDArray targets, int labelTokens, long tokens) {}

  private final PromptTokens text;
  private final @Nullable LabelSpace space;
  private final int vocabularySize;
  private final int maxLength;
  private final long[] separator;
  private final Map<String, long[]> unchecked = new ConcurrentHashMap<>();

  /**
   * Sequences whose prompts are checked against {@code space} as the scorer checks them.
   *
   * @param tokenizer the model's tokenizer
   * @param template the prompt layout
   * @param space the labels the examples carry
   * @param vocabularySize the model's vocabulary size
   * @param maxLength the most tokens the model reads
   */
  LabelSequences(
      TextTokenizer tokenizer, PromptLayout template, LabelSpace space, int vocabularySize, int maxLength) {
    this(tokenizer, template, requireNonNull(space, "space"), vocabularySize, maxLength, true);
  }

  /**
   * Sequences of free-text continuations: a prompt's ids are its text's, unchecked at the boundary.
   *
   * @param tokenizer the model's tokenizer
   * @param template the prompt layout
   * @param vocabularySize the model's vocabulary size
   * @param maxLength the most tokens the model reads
   * @return the sequences
   */
  static LabelSequences freeText(
      TextTokenizer tokenizer, PromptLayout template, int vocabularySize, int maxLength) {
    return new LabelSequences(tokenizer, template, null, vocabularySize, maxLength, false);
  }

  private LabelSequences(
      TextTokenizer tokenizer,
      PromptLayout template,
      @Nullable LabelSpace space,
      int vocabularySize,
      int maxLength,
      boolean checked) {
    requireNonNull(tokenizer, "tokenizer");
    requireNonNull(template, "template");
    this.text = PromptTokens.of(template, tokenizer, vocabularySize);
    this.space = checked ? space : null;
    this.vocabularySize = vocabularySize;
    this.maxLength = maxLength;
    this.separator = text.separator();
  }

  /** The sequence of {@code examples}, in order: demonstrations, then the last one. */
  Sequence of(List<LabelledExample> examples) {
    long[] all = new long[0];
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < examples.size(); i++) {
      LabelledExample le = examples.get(i);
      long[] prompt = prompt(le.example());
      long[] label = text.label(le.label());
      int start = all.length + prompt.length;
      all = concat(all, prompt);
      all = concat(all, label);
      for (int j = 0; j < label.length; j++) {
        positions.add(start + j);
      }
      if (i < examples.size() - 1) {
        all = concat(all, separator);
      }
    }
    if (all.length - 1 > maxLength) {
      throw new IcmException(
          "a training sequence of " + examples.size() + " examples (first '"
              + examples.get(0).example().id() + "') takes " + all.length
              + " tokens, more than the model's limit of " + maxLength
              + ": train with fewer examples per sequence (FineTuneOptions.withManyShot)",
          examples.get(0).example().id(),
          null);
    }
    return new Sequence(all, positions.stream().mapToInt(Integer::intValue).toArray());
  }

  /** The sequences of {@code examples} in chunks of {@code perSequence}, in order. */
  List<Sequence> chunks(List<LabelledExample> examples, int perSequence) {
    List<Sequence> out = new ArrayList<>();
    for (int from = 0; from < examples.size(); from += perSequence) {
      out.add(of(examples.subList(from, Math.min(examples.size(), from + perSequence))));
    }
    return out;
  }

  /** The arrays of a batch of sequences, created in {@code manager}. */
  Batch batch(NDManager manager, List<Sequence> sequences) {
    int length = 1;
    int labelTokens = 0;
    for (Sequence s : sequences) {
      length = Math.max(length, s.tokens().length - 1);
      labelTokens += s.labelPositions().length;
    }
    int b = sequences.size();
    long v = vocabularySize;
    long[] inputs = new long[b * length];
    long[] attention = new long[b * length];
    long[] targets = new long[labelTokens];
    long[] indices = new long[Math.toIntExact(labelTokens * v)];
    long tokens = 0;
    int k = 0;
    for (int r = 0; r < b; r++) {
      long[] t = sequences.get(r).tokens();
      int n = t.length - 1;
      System.arraycopy(t, 0, inputs, r * length, n);
      Arrays.fill(attention, r * length, r * length + n, 1L);
      tokens += n;
      for (int p : sequences.get(r).labelPositions()) {
        targets[k] = t[p];
        long row = (long) r * length + p - 1;
        for (int j = 0; j < v; j++) {
          indices[(int) (k * v + j)] = row * v + j;
        }
        k++;
      }
    }
    return new Batch(
        manager.create(inputs, new Shape(b, length)),
        manager.create(attention, new Shape(b, length)),
        manager.create(indices, new Shape(labelTokens, v)),
        manager.create(targets, new Shape(labelTokens)),
        labelTokens,
        tokens);
  }

  private long[] prompt(Example e) {
    if (space != null) {
      return text.prompt(e, space);
    }
    String query = text.layout().query(e);
    long[] cached = unchecked.get(query);
    if (cached != null) {
      return cached;
    }
    long[] ids = text.tokenizer().encode(query).clone();
    if (ids.length == 0) {
      throw new IcmException(
          "the prompt of example '" + e.id() + "' has no tokens under " + text.tokenizer()
              + ": give it a non-blank prompt",
          e.id(),
          null);
    }
    for (long id : ids) {
      if (id < 0 || id >= vocabularySize) {
        throw new IcmException(
            "the prompt of example '" + e.id() + "' has token id " + id + ", outside the model's"
                + " vocabulary of " + vocabularySize + ": the tokenizer does not belong to this model",
            e.id(),
            null);
      }
    }
    unchecked.put(query, ids);
    return ids;
  }

  private static long[] concat(long[] a, long[] b) {
    long[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
