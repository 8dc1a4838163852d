package org.icm4j.djl.train;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelledExample;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.text.PromptLayout;

/**
 * Batches of {@link ChoiceQuestion}s for a {@link ChoicePolicy}: every choice of every question
 * laid out as its question's prompt followed by the choice's text (each segment tokenized on its
 * own, as {@link LabelSequences} lays out a prompt and its label), and the arrays that turn the
 * logits into the policy's log-probabilities {@code [Q, C]}: the log-probability of each choice's
 * tokens after the prompt, normalized over the question's choices (a question with fewer than C
 * choices is padded with choices of probability 0). Not thread-safe (caches token ids).
 */
final class ChoiceBatches {

  /** Log-probability of a padded choice, before normalization. */
  private static final float MASKED = -1e9f;

  /**
   * A batch as arrays.
   *
   * @param inputs token ids {@code [S, L]}, one row per (question, choice)
   * @param labels {@code NDList(logitIndices [N, V], pickIndices [N], slots [Q * C, N], mask [Q, C])}
   *     for {@link #logPolicy}
   * @param questions Q
   * @param width C, the most choices of a question in the batch
   * @param tokens non-padding input tokens
   */
  record Batch(NDArray inputs, NDList labels, int questions, int width, long tokens) {}

  private final LabelSequences sequences;
  private final int vocabularySize;

  ChoiceBatches(TextTokenizer tokenizer, int vocabularySize, int maxLength) {
    requireNonNull(tokenizer, "tokenizer");
    // no verbalizers: a choice's "label" is its text, written as it is
    this.sequences = LabelSequences.freeText(tokenizer, new PromptLayout(Map.of(), "\n"), vocabularySize, maxLength);
    this.vocabularySize = vocabularySize;
  }

  /** The arrays of a batch of questions, created in {@code manager}. */
  Batch batch(NDManager manager, List<ChoiceQuestion> questions) {
    int width = 0;
    for (ChoiceQuestion q : questions) {
      width = Math.max(width, q.size());
    }
    List<LabelSequences.Sequence> seqs = new ArrayList<>();
    List<Integer> slotOfSequence = new ArrayList<>();
    float[] mask = new float[questions.size() * width];
    for (int q = 0; q < questions.size(); q++) {
      ChoiceQuestion question = questions.get(q);
      Example prompt = Example.of(question.id(), question.prompt());
      for (int c = 0; c < width; c++) {
        if (c < question.size()) {
          seqs.add(sequences.of(List.of(new LabelledExample(prompt, question.choices().get(c).text()))));
          slotOfSequence.add(q * width + c);
        } else {
          mask[q * width + c] = MASKED;
        }
      }
    }
    LabelSequences.Batch b = sequences.batch(manager, seqs);
    int n = b.labelTokens();
    long[] pick = new long[n];
    float[] slots = new float[questions.size() * width * n];
    int k = 0;
    for (int s = 0; s < seqs.size(); s++) {
      LabelSequences.Sequence seq = seqs.get(s);
      for (int position : seq.labelPositions()) {
        pick[k] = (long) k * vocabularySize + seq.tokens()[position];
        slots[slotOfSequence.get(s) * n + k] = 1f;
        k++;
      }
    }
    NDList labels =
        new NDList(
            b.logitIndices(),
            manager.create(pick, new Shape(n)),
            floats(manager, slots, new Shape((long) questions.size() * width, n)),
            floats(manager, mask, new Shape(questions.size(), width)));
    return new Batch(b.inputs(), labels, questions.size(), width, b.tokens());
  }

  /** The policy's log-probabilities {@code [Q, C]} from the logits of a batch's inputs. */
  static NDArray logPolicy(NDList labels, NDArray logits, int questions, int width) {
    NDArray rows = logits.take(labels.get(0));
    NDArray picked = rows.logSoftmax(1).take(labels.get(1));
    NDArray choice = labels.get(2).matMul(picked.reshape(-1, 1)).reshape(questions, width);
    return choice.add(labels.get(3)).logSoftmax(1);
  }

  /** A float array in native memory: no Java buffer may outlive it while backward needs it. */
  static NDArray floats(NDManager manager, float[] values, Shape shape) {
    try (NDArray wrapped = manager.create(values, shape)) {
      return wrapped.duplicate();
    }
  }
}
