package org.icm4j.djl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * The REINFORCE loss with a KL penalty, on a policy's log-probabilities {@code logPi [Q, C]}:
 * {@code -sum(W * logPi) + sum(B * pi * (logPi - L0))}, where {@code W} holds each drawn answer's
 * advantage divided by the number of draws (summed per choice), {@code B} the KL weight divided by
 * the number of questions (0 for padded choices), and {@code L0} the starting policy's
 * log-probabilities. Labels are {@code NDList(W, B, L0)} (float32 arrays in native memory owned by
 * the step's manager), predictions {@code NDList(logPi)}. Immutable and thread-safe.
 */
final class PolicyGradientLoss extends Loss {

  PolicyGradientLoss() {
    super("PolicyGradientLoss");
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray logPi = predictions.head();
    NDArray reinforce = labels.get(0).mul(logPi).sum().neg();
    NDArray kl = labels.get(1).mul(logPi.exp()).mul(logPi.sub(labels.get(2))).sum();
    return reinforce.add(kl);
  }
}
