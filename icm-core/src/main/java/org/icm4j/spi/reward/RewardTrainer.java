package org.icm4j.spi.reward;

/**
 * Trains a reward model on preference pairs, starting from the same base every time: the step
 * between ICM's labels and reinforcement learning. Implementations: icm-djl's {@code
 * BradleyTerryTrainer} (a DJL language model trained in this JVM), or your own adapter to an
 * external trainer, fed by the pairs of the request.
 *
 * <p>Contract (checked by the shared {@code RewardTrainerContract} test in {@code icm-core}'s
 * test-jar):
 *
 * <ul>
 *   <li>every call starts from the same base: the result is a function of the request alone;
 *   <li>deterministic: the same request (its seed included) gives a model that scores the same;
 *   <li>it learns its pairs: trained on pairs, the model prefers their chosen responses more than
 *       a model trained on the same pairs reversed does;
 *   <li>it uses only the request's pairs (a request has no field for gold labels; pairs made from
 *       ICM's labels carry none);
 *   <li>the returned model belongs to the caller, who closes it.
 * </ul>
 *
 * <p>Thread-safety is the implementation's to state.
 */
@FunctionalInterface
public interface RewardTrainer {

  /**
   * Trains a reward model on the pairs of a request.
   *
   * @param request the pairs and the seed
   * @return the trained model, owned by the caller
   * @throws org.icm4j.IcmException when training fails (with the cause and what to change)
   */
  RewardModel train(RewardTrainingRequest request);
}
