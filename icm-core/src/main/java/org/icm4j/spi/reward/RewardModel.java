package org.icm4j.spi.reward;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.icm4j.Example;

/**
 * A reward model: a score for a response, higher for a better one. Trained on {@link
 * org.icm4j.reward.PreferencePair preference pairs} (by a {@link RewardTrainer}), it stands in for the
 * labels it was trained on when a policy is improved by reinforcement learning or best-of-n
 * selection. Implementations: icm-djl's {@code LmRewardModel} (a language model's own label
 * log-odds, trained with a Bradley-Terry loss), or your own (a served model, a classifier).
 *
 * <p>A response is an {@link Example}: a claim whose prompt the model reads, e.g. {@code "e12
 * colour red :"} for the answer "red" to the question "e12 colour". Contract (checked by the
 * shared {@code RewardModelContract} test in {@code icm-core}'s test-jar):
 *
 * <ul>
 *   <li>one finite reward per response, in the order given; an empty list gives an empty array;
 *   <li>deterministic: the same response always gets the same reward;
 *   <li>a response's reward does not depend on the other responses of the call, nor on their
 *       order;
 *   <li>closing the model twice does nothing.
 * </ul>
 *
 * <p>Rewards are on the scale of the Bradley-Terry model ({@code P(a beats b) = sigmoid(r(a) -
 * r(b))}) when the model was trained that way; only differences between rewards carry meaning.
 * Thread-safety is the implementation's to state.
 */
public interface RewardModel extends AutoCloseable {

  /**
   * The rewards of some responses.
   *
   * @param responses the responses, any number (their prompts are what is scored)
   * @return one finite reward per response, in order
   * @throws org.icm4j.IcmException when a response cannot be scored (naming it)
   */
  double[] rewards(List<Example> responses);

  /**
   * The reward of one response: {@code rewards(List.of(response))[0]}.
   *
   * @param response the response
   * @return its reward
   */
  default double reward(Example response) {
    return rewards(List.of(requireNonNull(response, "response")))[0];
  }

  /**
   * What the model is and how it was trained, by name, for reports (for example the training
   * pairs, epochs and validation accuracy).
   *
   * @return the details (empty by default), in a stable order
   */
  default Map<String, String> details() {
    return Map.of();
  }

  /** Releases the model; it must not be used afterwards. Calling it again does nothing. */
  @Override
  default void close() {}

  /**
   * Asks a model for the rewards of some responses and checks its answer: one finite reward per
   * response. For callers of any reward model (icm4j's evaluation and training use it).
   *
   * @param model the model
   * @param responses the responses
   * @return the rewards, in order
   * @throws org.icm4j.InvalidScoreException naming the model and the response when the model
   *     returns the wrong number of rewards or a non-finite one
   */
  static double[] checkedRewards(RewardModel model, List<Example> responses) {
    requireNonNull(model, "model");
    requireNonNull(responses, "responses");
    if (responses.isEmpty()) {
      return new double[0];
    }
    double[] r = model.rewards(responses);
    if (r == null || r.length != responses.size()) {
      throw new org.icm4j.InvalidScoreException(
          "the reward model " + model + " returned " + (r == null ? "null" : r.length + " rewards")
              + " for " + responses.size() + " responses: return one reward per response",
          responses.get(0).id());
    }
    for (int i = 0; i < r.length; i++) {
      if (!Double.isFinite(r[i])) {
        throw new org.icm4j.InvalidScoreException(
            "the reward model " + model + " returned " + r[i] + " for response '" + responses.get(i).id()
                + "': rewards must be finite",
            responses.get(i).id());
      }
    }
    return r;
  }

  /**
   * A reward model computed by a function of the response, with nothing to release: for tests,
   * rules of thumb, or a model served elsewhere.
   *
   * @param name what the model is, for its {@code toString()} and {@link #details()}
   * @param reward the reward of a response; must be finite and deterministic
   * @return the model (immutable; thread-safe when {@code reward} is)
   */
  static RewardModel of(String name, ToDoubleFunction<Example> reward) {
    requireNonNull(name, "name");
    requireNonNull(reward, "reward");
    return new RewardModel() {
      @Override
      public double[] rewards(List<Example> responses) {
        requireNonNull(responses, "responses");
        double[] out = new double[responses.size()];
        for (int i = 0; i < out.length; i++) {
          out[i] = reward.applyAsDouble(requireNonNull(responses.get(i), "response"));
        }
        return out;
      }

      @Override
      public Map<String, String> details() {
        return Map.of("model", name);
      }

      @Override
      public String toString() {
        return "RewardModel(" + name + ")";
      }
    };
  }
}
