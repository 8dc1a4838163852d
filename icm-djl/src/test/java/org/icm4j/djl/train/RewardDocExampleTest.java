package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.Rules;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.io.Jsonl;
import org.icm4j.result.IcmResult;
import org.icm4j.reward.PreferencePair;
import org.icm4j.reward.PreferencePairs;
import org.icm4j.spi.reward.RewardTrainingRequest;
import org.icm4j.text.PromptLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the example of docs/reward-models.md (ICM's labels, preference pairs, a
 * reward model, a policy improved with it) compiling and running, on the tiny test world.
 */
class RewardDocExampleTest {

  @Test
  void docExample_trainsARewardModelOnIcmPairsAndAPolicyWithIt(@TempDir Path work)
      throws IOException {
    Path modelDir = work.resolve("my-model");
    try (BlockLm fresh = TinyWorld.model()) {
      fresh.save(modelDir);
    }
    TextTokenizer tokenizer = TinyWorld.tokenizer();
    List<Example> claims = TinyWorld.claims(0, 24);
    List<ChoiceQuestion> questions = RewardWorld.questions(0, 8);
    PromptLayout template = TinyWorld.TEMPLATE;

    // --- begin doc example ---
    try (BlockLm base = BlockLm.load(modelDir, Device.cpu());
        DjlScorer scorer = DjlScorer.builder().model(base).tokenizer(tokenizer)
            .template(template).ownsResources(false).build()) {
      IcmResult result = Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).seed(1).build().run(claims);
      List<PreferencePair> pairs = PreferencePairs.fromResult(claims, result, "True", "ICM, seed 1");
      Jsonl.writePreferencePairs(work.resolve("pairs.jsonl"), pairs);    // for an external trainer
      try (BradleyTerryTrainer trainer = BradleyTerryTrainer.builder().base(base).tokenizer(tokenizer)
              .template(template).build();
          LmRewardModel rewardModel = trainer.train(new RewardTrainingRequest(pairs, 1));
          PolicyGradient rl = PolicyGradient.builder().base(base).tokenizer(tokenizer).build();
          ChoicePolicy policy = rl.train(questions, rewardModel, 1)) {
        rewardModel.save(work.resolve("reward-model"));   // LmRewardModel.load reads it
        double[] answers = policy.probabilities(questions.get(0));   // over its choices
      // --- end doc example ---
        assertThat(pairs).hasSize(12);
        assertThat(Files.readAllLines(work.resolve("pairs.jsonl"))).hasSize(12);
        assertThat(rewardModel.details()).containsEntry("pairs", "12");
        assertThat(answers).hasSize(2);
        assertThat(work.resolve("reward-model").resolve(LmRewardModel.FILE)).exists();
      }
    }
  }
}
