package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The early-stopping rule of {@link EarlyStopping#loop}, on scripted validation losses (no model):
 * which epochs run, which weights are kept, when it stops.
 */
class EarlyStoppingTest {

  /**
   * A scripted run: the "weights" are the number of the epoch last trained, the validation loss of
   * epoch e is {@code losses[e]} (epoch 0: the base weights).
   */
  private static final class Script implements EarlyStopping.Epochs<Double> {
    private final double[] losses;
    private int weights;
    final List<Integer> trained = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    @Nullable Integer restored;

    Script(double... losses) {
      this.losses = losses;
    }

    @Override
    public double train(int epoch) {
      trained.add(epoch);
      weights = epoch;
      return 10.0 + epoch;
    }

    @Override
    public Double validate() {
      return losses[weights];
    }

    @Override
    public double loss(Double measure) {
      return measure;
    }

    @Override
    public Map<String, float[]> snapshot() {
      return Map.of("w", new float[] {weights});
    }

    @Override
    public void restore(Map<String, float[]> w) {
      restored = (int) w.get("w")[0];
      weights = restored;
    }

    @Override
    public void onEpoch(int epoch, double trainLoss, @Nullable Double validation, boolean improved) {
      events.add(epoch + ":" + validation + (improved ? "*" : ""));
    }
  }

  @Test
  void stopsAfterPatienceEpochsWithoutANewLowest_andKeepsTheBestEpochsWeights() {
    // base 1.0; epoch 2 is the lowest; 3, 4, 5 do not beat it; epoch 6 would, but is never reached
    Script s = new Script(1.0, 0.9, 0.5, 0.6, 0.5, 0.7, 0.1, 0.1);
    EarlyStopping.Outcome<Double> o = EarlyStopping.loop(7, 3, true, s);
    assertThat(s.trained).containsExactly(1, 2, 3, 4, 5);
    assertThat(o.epochs()).isEqualTo(5);
    assertThat(o.bestEpoch()).isEqualTo(2);
    assertThat(o.stoppedEarly()).isTrue();
    assertThat(s.restored).isEqualTo(2);
    assertThat(o.baseValidation()).isEqualTo(1.0);
    assertThat(o.bestValidation()).isEqualTo(0.5);
    assertThat(o.lastTrainLoss()).isEqualTo(15.0);
    // a tie with the lowest (epoch 4: 0.5) is not an improvement
    assertThat(s.events).containsExactly("1:0.9*", "2:0.5*", "3:0.6", "4:0.5", "5:0.7");
  }

  @Test
  void keepsTheBaseWeights_whenNoEpochBeatsThem() {
    Script s = new Script(0.3, 0.4, 0.35, 0.5);
    EarlyStopping.Outcome<Double> o = EarlyStopping.loop(3, 2, true, s);
    assertThat(s.trained).containsExactly(1, 2);
    assertThat(o.bestEpoch()).isZero();
    assertThat(o.stoppedEarly()).isTrue();
    assertThat(s.restored).isZero();
    assertThat(o.bestValidation()).isEqualTo(0.3);
  }

  @Test
  void patienceRunningOutAtTheLastEpoch_isNotAnEarlyStop() {
    Script s = new Script(1.0, 0.5, 0.6, 0.7);
    EarlyStopping.Outcome<Double> o = EarlyStopping.loop(3, 2, true, s);
    assertThat(s.trained).containsExactly(1, 2, 3);
    assertThat(o.stoppedEarly()).isFalse();
    assertThat(o.bestEpoch()).isEqualTo(1);
    assertThat(s.restored).isEqualTo(1);
  }

  @Test
  void newLowestResetsThePatience() {
    // 2 epochs without a new lowest, then one, then 2 more: patience 3 never runs out
    Script s = new Script(1.0, 0.9, 0.95, 0.95, 0.8, 0.85, 0.85);
    EarlyStopping.Outcome<Double> o = EarlyStopping.loop(6, 3, true, s);
    assertThat(s.trained).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(o.stoppedEarly()).isFalse();
    assertThat(o.bestEpoch()).isEqualTo(4);
    assertThat(s.restored).isEqualTo(4);
  }

  @Test
  void withoutValidation_everyEpochRuns_andTheLastWeightsStay() {
    Script s = new Script(1.0, 2.0, 3.0, 4.0);
    EarlyStopping.Outcome<Double> o = EarlyStopping.loop(3, 1, false, s);
    assertThat(s.trained).containsExactly(1, 2, 3);
    assertThat(o.bestEpoch()).isEqualTo(3);
    assertThat(o.stoppedEarly()).isFalse();
    assertThat(s.restored).isNull();
    assertThat(o.baseValidation()).isNull();
    assertThat(o.bestValidation()).isNull();
    assertThat(s.events).containsExactly("1:null", "2:null", "3:null");
  }
}
