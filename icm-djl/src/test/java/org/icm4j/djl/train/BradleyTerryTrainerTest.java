package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.djl.BlockLm;
import org.icm4j.eval.RewardEvaluation;
import org.icm4j.reward.PreferencePair;
import org.icm4j.spi.reward.RewardTrainingRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BradleyTerryTrainerTest {
  private static final List<PreferencePair> PAIRS = RewardWorld.pairs(0, 24);

  /** Fast settings that learn the 12 pairs of {@link RewardWorld} (about a second). */
  static FineTuneOptions options() {
    return FineTuneOptions.defaults().withMaxEpochs(15).withBatchSize(4).withLearningRate(2e-2, 2e-3).withWarmupSteps(2)
        .withValidation(0.25, 15);
  }

  private static BradleyTerryTrainer.Builder trainer(BlockLm base) {
    return BradleyTerryTrainer.builder().base(base).tokenizer(TinyWorld.tokenizer()).template(TinyWorld.TEMPLATE)
        .options(options());
  }

  @Test
  void loss_isMinusLogSigmoidOfTheRewardModelsMargin() {
    List<PreferencePair> pairs = new ArrayList<>(PAIRS.subList(0, 3));
    // a pair that shares a response with another, and a reversed one
    pairs.add(PreferencePair.of(TinyWorld.claim(0), TinyWorld.claim(1), "x").reversed());
    try (BlockLm lm = TinyWorld.model();
        LmRewardModel rm = LmRewardModel.builder().model(lm).tokenizer(TinyWorld.tokenizer()).template(TinyWorld.TEMPLATE).build();
        NDManager m = NDManager.newBaseManager()) {
      PairBatches batches =
          new PairBatches(
              new LabelSequences(TinyWorld.tokenizer(), TinyWorld.TEMPLATE, LabelSpace.binary(), TinyWorld.SHAPE.vocabularySize(), 96),
              "True", "False", TinyWorld.SHAPE.vocabularySize());
      PairBatches.Batch batch = batches.batch(m, pairs);
      NDArray logits = lm.block().forward(new ParameterStore(m, false), new NDList(batch.inputs()), false).head();
      float[] margins = BradleyTerryLoss.margins(batch.labels(), new NDList(logits)).toFloatArray();
      double loss = new BradleyTerryLoss().evaluate(batch.labels(), new NDList(logits)).getFloat();

      double expectedLoss = 0;
      for (int p = 0; p < pairs.size(); p++) {
        double d = rm.reward(pairs.get(p).chosen()) - rm.reward(pairs.get(p).rejected());
        assertThat((double) margins[p]).as("margin of pair %s", p).isCloseTo(d, within(1e-4));
        expectedLoss += Math.log(1 + Math.exp(-d)) / pairs.size();
      }
      assertThat(loss).isCloseTo(expectedLoss, within(1e-5));
    }
  }

  @Test
  void train_learnsItsPairs() {
    try (BlockLm base = TinyWorld.model();
        BradleyTerryTrainer t = trainer(base).options(options().withValidation(0, 1)).build();
        LmRewardModel untrained = t.baseModel();
        LmRewardModel rm = t.train(new RewardTrainingRequest(PAIRS, 3))) {
      assertThat(RewardEvaluation.pairwiseAccuracy(untrained, PAIRS)).isLessThan(0.9);
      assertThat(RewardEvaluation.pairwiseAccuracy(rm, PAIRS)).isEqualTo(1.0);
      assertThat(rm.details()).containsEntry("trainedOn", "12").containsEntry("validatedOn", "0").containsEntry("epochs", "15");
    }
  }

  @Test
  void train_holdsOutAShareOfTheGroups_andReportsWhatItDid() {
    try (BlockLm base = TinyWorld.model();
        BradleyTerryTrainer t = trainer(base).build();
        LmRewardModel rm = t.train(new RewardTrainingRequest(PAIRS, 3))) {
      Map<String, String> d = rm.details();
      assertThat(d).containsEntry("pairs", "12").containsEntry("trainedOn", "9").containsEntry("validatedOn", "3")
          .containsEntry("seed", "3").containsKeys("bestEpoch", "validationAccuracy", "baseValidationAccuracy", "steps");
      assertThat(Double.parseDouble(d.get("validationLoss"))).isLessThanOrEqualTo(Double.parseDouble(d.get("baseValidationLoss")));
      assertThat(Integer.parseInt(d.get("bestEpoch"))).isBetween(0, 15);
    }
  }

  @Test
  void train_keepsTheBaseWeightsWhenNoEpochBeatsThem() {
    // a learning rate so small that no epoch moves the validation loss below the base's
    FineTuneOptions tiny = options().withLearningRate(1e-12, 1e-12).withMaxEpochs(2).withValidation(0.25, 1);
    try (BlockLm base = TinyWorld.model();
        BradleyTerryTrainer t = trainer(base).options(tiny).build();
        LmRewardModel untrained = t.baseModel();
        LmRewardModel rm = t.train(new RewardTrainingRequest(PAIRS, 3))) {
      List<Example> claims = TinyWorld.claims(0, 6);
      assertThat(rm.rewards(claims)).containsExactly(untrained.rewards(claims), within(1e-6));
    }
  }

  @Test
  void saveAndLoad_giveTheSameRewardsAndDetails(@TempDir Path dir) {
    try (BlockLm base = TinyWorld.model();
        BradleyTerryTrainer t = trainer(base).build();
        LmRewardModel rm = t.train(new RewardTrainingRequest(PAIRS, 5))) {
      rm.save(dir);
      try (LmRewardModel loaded = LmRewardModel.load(dir, TinyWorld.tokenizer(), Device.cpu())) {
        List<Example> claims = TinyWorld.claims(0, 10);
        assertThat(loaded.rewards(claims)).containsExactly(rm.rewards(claims), within(1e-7));
        assertThat(loaded.details()).isEqualTo(rm.details());
        assertThat(loaded.template()).isEqualTo(TinyWorld.TEMPLATE);
        assertThat(loaded.positiveLabel()).isEqualTo("True");
      }
    }
  }

  @Test
  void load_failsNamingTheMissingFile(@TempDir Path dir) {
    assertThatThrownBy(() -> LmRewardModel.load(dir, TinyWorld.tokenizer(), Device.cpu()))
        .hasMessageContaining(LmRewardModel.FILE)
        .hasMessageContaining("LmRewardModel.save");
  }

  @Test
  void options_rejectManyShotSequences() {
    assertThatThrownBy(() -> BradleyTerryTrainer.builder().options(FineTuneOptions.defaults().withManyShot(4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("examplesPerSequence must be 1, but was 4");
  }

  @Test
  void build_failsWithoutABaseOrATokenizer() {
    assertThatThrownBy(() -> BradleyTerryTrainer.builder().tokenizer(TinyWorld.tokenizer()).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no base model");
    try (BlockLm base = TinyWorld.model()) {
      assertThatThrownBy(() -> BradleyTerryTrainer.builder().base(base).build())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("no tokenizer");
    }
  }
}
