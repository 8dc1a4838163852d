package org.icm4j.djl.train;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelledExample;
import org.icm4j.reward.PreferencePair;

/**
 * Batches of preference pairs for {@link BradleyTerryLoss}: each distinct response of a batch is
 * laid out twice as {@link LabelSequences} lays out a zero-shot example (its prompt, then the
 * positive label's verbalizer; its prompt, then the negative one's), and a matrix of signs sums
 * the label tokens' log-probabilities into each pair's margin {@code r(chosen) - r(rejected)},
 * where {@code r} is a response's log-odds of the positive label: exactly what {@link
 * LmRewardModel} reads with its scorer. Not thread-safe (the sequences cache token ids).
 */
final class PairBatches {

  /**
   * A batch as arrays.
   *
   * @param inputs the token ids {@code [2R, L]} of the R distinct responses
   * @param labels {@code NDList(logitIndices, pickIndices, pairMatrix)} for {@link BradleyTerryLoss}
   * @param pairs the number of pairs
   * @param tokens non-padding input tokens
   */
  record Batch(NDArray inputs, NDList labels, int pairs, long tokens) {}

  private final LabelSequences sequences;
  private final String positive;
  private final String negative;
  private final int vocabularySize;

  PairBatches(LabelSequences sequences, String positive, String negative, int vocabularySize) {
    this.sequences = requireNonNull(sequences, "sequences");
    this.positive = requireNonNull(positive, "positive");
    this.negative = requireNonNull(negative, "negative");
    this.vocabularySize = vocabularySize;
  }

  /** The arrays of a batch of pairs, created in {@code manager}. */
  Batch batch(NDManager manager, List<PreferencePair> pairs) {
    Map<String, Integer> index = new LinkedHashMap<>();
    List<LabelSequences.Sequence> seqs = new ArrayList<>();
    for (PreferencePair p : pairs) {
      for (Example e : List.of(p.chosen(), p.rejected())) {
        if (!index.containsKey(e.id())) {
          index.put(e.id(), index.size());
          seqs.add(sequences.of(List.of(new LabelledExample(e, positive))));
          seqs.add(sequences.of(List.of(new LabelledExample(e, negative))));
        }
      }
    }
    LabelSequences.Batch b = sequences.batch(manager, seqs);
    int n = b.labelTokens();
    // the label tokens in the batch's order (sequence by sequence, position by position): their
    // response, their sign in its log-odds, and their target within the taken logit rows
    int[] response = new int[n];
    float[] sign = new float[n];
    long[] pick = new long[n];
    int k = 0;
    for (int s = 0; s < seqs.size(); s++) {
      LabelSequences.Sequence seq = seqs.get(s);
      for (int position : seq.labelPositions()) {
        response[k] = s / 2;
        sign[k] = s % 2 == 0 ? 1f : -1f;
        pick[k] = (long) k * vocabularySize + seq.tokens()[position];
        k++;
      }
    }
    float[] matrix = new float[pairs.size() * n];
    for (int p = 0; p < pairs.size(); p++) {
      int chosen = index.get(pairs.get(p).chosen().id());
      int rejected = index.get(pairs.get(p).rejected().id());
      for (int t = 0; t < n; t++) {
        float weight = (response[t] == chosen ? 1f : 0f) - (response[t] == rejected ? 1f : 0f);
        matrix[p * n + t] = weight * sign[t];
      }
    }
    NDArray signs = ChoiceBatches.floats(manager, matrix, new Shape(pairs.size(), n));
    NDArray picks = manager.create(pick, new Shape(n));
    return new Batch(b.inputs(), new NDList(b.logitIndices(), picks, signs), pairs.size(), b.tokens());
  }
}
