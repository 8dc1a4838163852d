package org.icm4j.djl.train;

import java.time.Duration;

/**
 * One epoch of fine-tuning ({@link BlockLmFineTuner}, {@link TorchScriptFineTuner}). Immutable and
 * thread-safe.
 *
 * @param round the request's round
 * @param epoch the epoch just done, 1-based
 * @param maxEpochs {@link FineTuneOptions#maxEpochs()}
 * @param steps optimizer steps so far
 * @param trainLoss mean label loss of this epoch's steps (nats per label token)
 * @param validationLoss label loss on the held-out split of the request's labels after the epoch,
 *     {@code NaN} without validation
 * @param best whether this epoch's validation loss is the lowest so far (its weights are kept)
 * @param elapsed time since the request's training started
 */
public record FineTuneProgress(
    int round,
    int epoch,
    int maxEpochs,
    int steps,
    double trainLoss,
    double validationLoss,
    boolean best,
    Duration elapsed) {}
