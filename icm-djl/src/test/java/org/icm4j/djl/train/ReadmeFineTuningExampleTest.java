package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.Rules;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.TextTokenizer;
import org.icm4j.finetune.IterativeFineTuning;
import org.icm4j.finetune.IterativeFineTuningResult;
import org.icm4j.text.PromptLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps README.md's fine-tuning example (your own BlockLm, iterative fine-tuning on ICM's labels,
 * in 14 lines) compiling and running, on the tiny test world.
 */
class ReadmeFineTuningExampleTest {

  @Test
  void readmeExample_fineTunesAUsersBlockLmOnIcmLabels(@TempDir Path work) {
    Path modelDir = work.resolve("my-model");
    Path rounds = work.resolve("rounds");
    try (BlockLm fresh = TinyWorld.model()) {
      fresh.save(modelDir);
    }
    TextTokenizer tokenizer = TinyWorld.tokenizer();
    List<Example> examples = TinyWorld.claims(0, 24);
    PromptLayout template = TinyWorld.TEMPLATE;

    // --- begin README example ---
    try (BlockLm base = BlockLm.load(modelDir, Device.cpu());
        BlockLmFineTuner tuner = BlockLmFineTuner.builder().base(base).tokenizer(tokenizer)
            .template(template).outputDirectory(rounds).build();
        DjlScorer scorer = DjlScorer.builder().model(base).tokenizer(tokenizer)
            .template(template).ownsResources(false).build()) {
      IterativeFineTuning loop = IterativeFineTuning.builder().fineTuner(tuner).batchSize(8)
          .icm(icm -> icm.rule(Rules.exactlyOne()))
          .seed(1).build();
      try (IterativeFineTuningResult result = loop.run(scorer, examples)) {
        result.rounds();                                   // per batch: labels, U, cost, times
        result.finalModel().scorer();                      // zero-shot scorer of the final model
        result.finalModel().details().get("directory");    // saved there, BlockLm.load reads it
      // --- end README example ---
        assertThat(result.rounds()).hasSize(3);
        assertThat(result.finalModel().details().get("directory")).isEqualTo(rounds.resolve("round-02").toString());
        try (BlockLm saved = BlockLm.load(rounds.resolve("round-02"), Device.cpu())) {
          assertThat(saved.config()).isEqualTo(TinyWorld.SHAPE);
        }
      }
    }
  }
}
