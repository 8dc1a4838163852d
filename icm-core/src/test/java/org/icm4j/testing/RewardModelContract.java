package org.icm4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.spi.reward.RewardModel;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link RewardModel} must meet, as one abstract JUnit 5 test (like {@link
 * ScorerContract} for scorers): one finite reward per response, in order; an empty list gives an
 * empty array; the same rewards on every call; a response's reward independent of the other
 * responses of the call and of their order; {@link RewardModel#reward} equal to its reward in a
 * list; closing a model twice harmless.
 *
 * <p>An adapter module runs it by depending on {@code icm-core}'s test-jar (see {@link
 * ScorerContract}) and extending this class:
 *
 * <pre>{@code
 * class MyRewardModelContractTest extends RewardModelContract {
 *   private static final MyRewardModel MODEL = MyRewardModel.load(...);  // expensive: load once
 *
 *   @Override protected RewardModel rewardModel() { return MODEL; }
 *   @Override protected List<Example> responses() { return List.of(...); }  // at least 4
 *   @Override protected double tolerance() { return 1e-4; }               // float32 models
 * }
 * }</pre>
 *
 * <p>Not thread-safe: JUnit creates one instance per test method.
 */
public abstract class RewardModelContract {

  private RewardModel model;
  private List<Example> responses;

  /** The model under test; may be the same instance on every call (it is not closed). */
  protected abstract RewardModel rewardModel();

  /** At least 4 responses with distinct ids that the model can score. */
  protected abstract List<Example> responses();

  /**
   * A model of its own for the test that closes it twice, or {@code null} (the default) to skip
   * that test when the model is shared.
   */
  protected @Nullable RewardModel modelToClose() {
    return null;
  }

  /** Largest difference tolerated between rewards that should be equal; default {@code 1e-9}. */
  protected double tolerance() {
    return 1e-9;
  }

  @BeforeEach
  protected final void loadFixture() {
    model = rewardModel();
    responses = List.copyOf(responses());
    assertThat(responses).as("responses() must give at least 4 responses").hasSizeGreaterThanOrEqualTo(4);
    assertThat(responses.stream().map(Example::id).distinct().count())
        .as("responses() must have distinct ids")
        .isEqualTo(responses.size());
  }

  @Test
  public void rewards_returnsOneFiniteRewardPerResponse() {
    double[] r = model.rewards(responses);

    assertThat(r).as("rewards of %s responses", responses.size()).hasSize(responses.size());
    for (int i = 0; i < r.length; i++) {
      assertThat(Double.isFinite(r[i])).as("reward of '%s' is %s", responses.get(i).id(), r[i]).isTrue();
    }
  }

  @Test
  public void rewards_ofNoResponsesIsEmpty() {
    assertThat(model.rewards(List.of())).isEmpty();
  }

  @Test
  public void rewards_areTheSameOnEveryCall() {
    double[] first = model.rewards(responses);
    double[] second = model.rewards(responses);

    assertThat(second).as("second call vs first").containsExactly(first, within(tolerance()));
  }

  @Test
  public void rewards_ofAResponseDoNotDependOnTheOtherResponsesOrTheirOrder() {
    double[] all = model.rewards(responses);
    for (int i = 0; i < responses.size(); i++) {
      double[] alone = model.rewards(List.of(responses.get(i)));
      assertThat(alone).hasSize(1);
      assertThat(alone[0])
          .as("reward of '%s' alone vs among %s responses", responses.get(i).id(), responses.size())
          .isCloseTo(all[i], within(tolerance()));
    }
    List<Example> reversed = new ArrayList<>(responses);
    Collections.reverse(reversed);
    double[] back = model.rewards(reversed);
    for (int i = 0; i < responses.size(); i++) {
      assertThat(back[responses.size() - 1 - i])
          .as("reward of '%s' in reversed order", responses.get(i).id())
          .isCloseTo(all[i], within(tolerance()));
    }
  }

  @Test
  public void reward_equalsTheRewardInAList() {
    double[] all = model.rewards(responses);
    assertThat(model.reward(responses.get(1))).isCloseTo(all[1], within(tolerance()));
  }

  @Test
  public void close_twiceDoesNothing() {
    RewardModel own = modelToClose();
    if (own == null) {
      return;
    }
    assertThat(own.rewards(responses)).hasSize(responses.size());
    own.close();
    own.close();
  }
}
