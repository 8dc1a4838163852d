package org.icm4j.djl.train;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelledExample;
import org.icm4j.text.PromptLayout;
import org.icm4j.djl.TextTokenizer;

/**
 * Token sequences of labelled examples laid out as {@link org.icm4j.djl.DjlScorer} lays out its
 * prompts: each example but the last is a demonstration, {@code prompt + verbalizer(label) +
 * separator}, the last is {@code prompt + verbalizer(label)}; every segment is tokenized on its
 * own and the ids concatenated. The training targets are the label tokens only: each is predicted
 * from everything before it, exactly the log-probability the scorer reads for that example with
 * the examples before it as context (none for a sequence of one example: zero-shot). Not
 * thread-safe (caches token ids).
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

  private final TextTokenizer tokenizer;
  private final PromptLayout template;
  private final int vocabularySize;
  private final int maxLength;
  private final long[] separator;
  private final Map<String, long[]> labels = new HashMap<>();
  private final Map<String, long[]> prompts = new HashMap<>();

  LabelSequences(TextTokenizer tokenizer, PromptLayout template, int vocabularySize, int maxLength) {
    this.tokenizer = requireNonNull(tokenizer, "tokenizer");
    this.template = requireNonNull(template, "template");
    this.vocabularySize = vocabularySize;
    this.maxLength = maxLength;
    this.separator = tokenizer.encode(template.separator());
  }

  /** The sequence of {@code examples}, in order: demonstrations, then the last one. */
  Sequence of(List<LabelledExample> examples) {
    long[] all = new long[0];
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < examples.size(); i++) {
      LabelledExample le = examples.get(i);
      long[] prompt = prompt(le.example());
      long[] label = label(le.label());
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
    String text = template.query(e);
    long[] cached = prompts.get(text);
    if (cached != null) {
      return cached;
    }
    long[] ids = tokenizer.encode(text);
    if (ids.length == 0) {
      throw new IcmException(
          "the prompt of example '" + e.id() + "' has no tokens under " + tokenizer
              + ": give it a non-blank prompt",
          e.id(),
          null);
    }
    check(ids, "the prompt of example '" + e.id() + "'");
    prompts.put(text, ids);
    return ids;
  }

  private long[] label(String label) {
    long[] cached = labels.get(label);
    if (cached != null) {
      return cached;
    }
    String text = template.verbalize(label);
    long[] ids = tokenizer.encode(text);
    if (ids.length == 0 || Arrays.stream(ids).anyMatch(tokenizer::isUnknown)) {
      throw new IcmException(
          "label '" + label + "' (text '" + text + "') has no tokens of " + tokenizer
              + "'s vocabulary: give it a verbalizer the tokenizer can encode");
    }
    check(ids, "label '" + label + "'");
    labels.put(label, ids);
    return ids;
  }

  private void check(long[] ids, String what) {
    for (long id : ids) {
      if (id < 0 || id >= vocabularySize) {
        throw new IcmException(
            what + " has token id " + id + ", outside the model's vocabulary of " + vocabularySize
                + ": the tokenizer does not belong to this model");
      }
    }
  }

  private static long[] concat(long[] a, long[] b) {
    long[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
