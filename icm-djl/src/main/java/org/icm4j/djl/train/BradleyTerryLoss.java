package org.icm4j.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.training.loss.Loss;

/**
 * The Bradley-Terry loss of preference pairs on label log-odds: for each pair, {@code d = r(chosen)
 * - r(rejected)} with {@code r} a response's log-odds of its positive label, and the loss is the
 * mean of {@code softplus(-d) = -log sigmoid(d)}. Labels are {@code NDList(logitIndices [N, V],
 * pickIndices [N], pairMatrix [P, N])}: the flat indices of the logit rows that predict the N
 * label tokens (for {@code take} on the {@code [B, T, V]} logits), the flat index of each token's
 * target within the taken rows ({@code k * V + target}), and the signs that sum the tokens'
 * log-probabilities into each pair's {@code d} (a float32 array owned by the step's manager, so
 * that no Java buffer enters the graph). Predictions are {@code NDList(logits [B, T, V])}.
 * Immutable and thread-safe.
 */
final class BradleyTerryLoss extends Loss {

  BradleyTerryLoss() {
    super("BradleyTerryLoss");
  }

  /** Each pair's {@code r(chosen) - r(rejected)}, {@code [P]}. */
  static NDArray margins(NDList labels, NDList predictions) {
    NDArray rows = predictions.head().take(labels.get(0));
    NDArray picked = rows.logSoftmax(1).take(labels.get(1));
    NDArray matrix = labels.get(2);
    return matrix.matMul(picked.reshape(-1, 1)).reshape(-1);
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    return Activation.softPlus(margins(labels, predictions).neg()).mean();
  }
}
