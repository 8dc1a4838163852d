package org.icm4j.spi.finetune;

/**
 * Fine-tunes a base model on labelled examples and returns the fine-tuned model: the training step
 * of {@link org.icm4j.finetune.IterativeFineTuning}, and the way a model learns from ICM's labels at all.
 * Implementations: icm-djl's {@code BlockLmFineTuner} (a DJL model trained in this JVM), or a
 * user's adapter to an external trainer, fed by the SFT records of {@link
 * org.icm4j.io.Jsonl#writeSft} (see {@code docs/fine-tuning.md}).
 *
 * <p>Contract (checked by the shared {@code FineTunerContract} test in {@code icm-core}'s
 * test-jar):
 *
 * <ul>
 *   <li>Every call starts from the same base model: the result is a function of the request alone,
 *       not of earlier calls (the official iterative fine-tuning fine-tunes the <em>base</em> model
 *       on the labels so far in every round).
 *   <li>Deterministic: the same request (its seed included) gives a model that scores the same.
 *   <li>It learns its labels: after fine-tuning on a labeling, the model prefers those labels over
 *       others more than a model fine-tuned on the opposite labeling does.
 *   <li>It uses only the request's labels. A request carries no gold labels: {@link
 *       org.icm4j.eval.GoldLabels} never reach a fine-tuner through icm4j.
 *   <li>The returned model belongs to the caller, who closes it; closing it twice does nothing.
 * </ul>
 *
 * <p>Thread-safety is the implementation's to state. {@link org.icm4j.finetune.IterativeFineTuning} calls
 * it from the thread that runs ICM, one call at a time.
 */
@FunctionalInterface
public interface FineTuner {

  /**
   * Fine-tunes the base model on the labelled examples of a request.
   *
   * @param request the examples, their labels (some may be unlabelled; only labelled ones are
   *     trained on), the round and the seed
   * @return the fine-tuned model, owned by the caller
   * @throws org.icm4j.IcmException when training fails (with the cause and what to change)
   */
  FineTunedModel fineTune(FineTuneRequest request);
}
