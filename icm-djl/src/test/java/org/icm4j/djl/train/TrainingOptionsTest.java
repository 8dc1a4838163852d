package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link TrainingOptions.Builder}: defaults, the check at each setter, the checks of build(). */
class TrainingOptionsTest {

  @Test
  void builder_hasTheTrainCommandsDefaults_andNeedsOnlyASeed() {
    TrainingOptions o = TrainingOptions.builder().seed(42).build();
    assertThat(o).isEqualTo(new TrainingOptions(2000, 8, 256, 2e-3, 200, 2e-4, 1.0, 42L, 50, 500));
  }

  @Test
  void builder_setsEveryValueByName() {
    TrainingOptions o =
        TrainingOptions.builder()
            .seed(7)
            .steps(11)
            .batchSize(3)
            .context(32)
            .learningRate(1e-2, 1e-3)
            .warmupSteps(2)
            .clipNorm(Double.POSITIVE_INFINITY)
            .logEvery(5)
            .checkpointEvery(0)
            .build();
    assertThat(o)
        .isEqualTo(new TrainingOptions(11, 3, 32, 1e-2, 2, 1e-3, Double.POSITIVE_INFINITY, 7L, 5, 0));
  }

  @Test
  void eachSetter_rejectsABadValueAtOnce_quotingIt() {
    TrainingOptions.Builder b = TrainingOptions.builder();
    assertThatThrownBy(() -> b.steps(0)).hasMessage("steps must be >= 1, but was 0");
    assertThatThrownBy(() -> b.batchSize(-1)).hasMessage("batchSize must be >= 1, but was -1");
    assertThatThrownBy(() -> b.context(0)).hasMessage("context must be >= 1, but was 0");
    assertThatThrownBy(() -> b.learningRate(-3, 0))
        .hasMessage("the peak learning rate must be finite and > 0, but was -3.0");
    assertThatThrownBy(() -> b.learningRate(Double.NaN, 0)).hasMessageContaining("but was NaN");
    assertThatThrownBy(() -> b.learningRate(1e-3, 2e-3))
        .hasMessage("the final learning rate must be between 0 and the peak (0.001), but was 0.002");
    assertThatThrownBy(() -> b.warmupSteps(-2)).hasMessage("warmupSteps must be >= 0, but was -2");
    assertThatThrownBy(() -> b.clipNorm(0)).hasMessageContaining("clipNorm must be > 0").hasMessageContaining("0.0");
    assertThatThrownBy(() -> b.clipNorm(Double.NaN)).hasMessageContaining("NaN");
    assertThatThrownBy(() -> b.logEvery(0)).hasMessage("logEvery must be >= 1, but was 0");
    assertThatThrownBy(() -> b.checkpointEvery(-1)).hasMessage("checkpointEvery must be >= 0, but was -1");
    // a rejected value leaves the setting as it was
    assertThat(b.seed(1).build().steps()).isEqualTo(2000);
  }

  @Test
  void build_rejectsAMissingSeed_andAWarmupLongerThanTheRun() {
    assertThatThrownBy(() -> TrainingOptions.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("seed(long)");
    assertThatThrownBy(() -> TrainingOptions.builder().seed(1).steps(5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("warmupSteps (200) must be at most steps (5): lower warmupSteps or raise steps");
  }

  @Test
  void build_leavesTheBuilderAsItWas() {
    TrainingOptions.Builder b = TrainingOptions.builder().seed(3).steps(10).warmupSteps(1);
    TrainingOptions first = b.build();
    TrainingOptions second = b.steps(20).build();
    assertThat(first.steps()).isEqualTo(10);
    assertThat(second.steps()).isEqualTo(20);
    assertThat(second.warmupSteps()).isEqualTo(1);
  }
}
