package org.icm4j.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;

/**
 * Cross-entropy over the full vocabulary on the label tokens only: DJL's {@link
 * SoftmaxCrossEntropyLoss} (sparse labels, weight 1, so no scalar enters the graph) on the rows of
 * the logits that predict label tokens, taken by flat index ({@code take}, differentiable). Labels
 * are {@code NDList(targets [N] int64, logitIndices [N, V] int64)} as {@code LabelSequences.Batch}
 * makes them; predictions {@code NDList(logits [B, T, V])}; the result is the mean over the N
 * label tokens, in nats. Immutable and thread-safe.
 */
final class LabelTokenLoss extends Loss {
  private final SoftmaxCrossEntropyLoss inner = new SoftmaxCrossEntropyLoss("labelTokens");

  LabelTokenLoss() {
    super("LabelTokenLoss");
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray rows = predictions.head().take(labels.get(1));
    return inner.evaluate(new NDList(labels.get(0)), new NDList(rows));
  }
}
