package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.LabelledExample;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.icm4j.spi.finetune.FineTunedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockLmFineTunerTest {
  private static final LabelSpace SPACE = LabelSpace.binary();
  private static final List<Example> CLAIMS = TinyWorld.claims(0, 24);
  private static final Labeling EVEN = TinyWorld.even(CLAIMS);

  private static BlockLmFineTuner.Builder tuner(BlockLm base) {
    return BlockLmFineTuner.builder()
        .base(base)
        .tokenizer(TinyWorld.tokenizer())
        .template(TinyWorld.TEMPLATE)
        .options(TinyWorld.options());
  }

  private static DjlScorer scorer(BlockLm lm) {
    return DjlScorer.builder()
        .model(lm)
        .tokenizer(TinyWorld.tokenizer())
        .template(TinyWorld.TEMPLATE)
        .ownsResources(false)
        .build();
  }

  private static LabelledExample labelled(Example e) {
    return new LabelledExample(e, EVEN.label(e.id()).orElseThrow());
  }

  /** The training loss of a sequence under a model, as the fine-tuner computes it. */
  private static double loss(BlockLm lm, List<LabelledExample> examples) {
    LabelSequences sequences =
        new LabelSequences(TinyWorld.tokenizer(), TinyWorld.TEMPLATE, LabelSpace.binary(), TinyWorld.SHAPE.vocabularySize(), 96);
    try (NDManager m = NDManager.newBaseManager()) {
      LabelSequences.Batch batch = sequences.batch(m, List.of(sequences.of(examples)));
      NDArray logits =
          lm.block().forward(new ParameterStore(m, false), new NDList(batch.inputs()), false).head();
      return new LabelTokenLoss()
          .evaluate(new NDList(batch.targets(), batch.logitIndices()), new NDList(logits))
          .getFloat();
    }
  }

  @Test
  void loss_isTheScorersLabelLogProbability_zeroShotAndManyShot() {
    try (BlockLm lm = TinyWorld.model(); DjlScorer scorer = scorer(lm)) {
      LabelledExample a = labelled(CLAIMS.get(3));
      LabelledExample b = labelled(CLAIMS.get(8));
      LabelledExample c = labelled(CLAIMS.get(13));
      double zeroShot = scorer.score(SPACE, List.of(new ScoreRequest(a.example(), List.of()))).row(0)[SPACE.indexOf(a.label())];
      assertThat(loss(lm, List.of(a))).isCloseTo(-zeroShot, within(1e-4));
      // many-shot: each label predicted after the examples before it, as the scorer's context
      ScoreResult r =
          scorer.score(
              SPACE,
              List.of(
                  new ScoreRequest(a.example(), List.of()),
                  new ScoreRequest(b.example(), List.of(a)),
                  new ScoreRequest(c.example(), List.of(a, b))));
      double expected =
          -(r.row(0)[SPACE.indexOf(a.label())] + r.row(1)[SPACE.indexOf(b.label())]
                  + r.row(2)[SPACE.indexOf(c.label())])
              / 3;
      assertThat(loss(lm, List.of(a, b, c))).isCloseTo(expected, within(1e-4));
    }
  }

  @Test
  void fineTune_stopsEarlyOnASplitOfItsOwnLabels_andKeepsTheBestEpoch(@TempDir Path out) throws Exception {
    List<FineTuneProgress> epochs = new ArrayList<>();
    try (BlockLm base = TinyWorld.model()) {
      BlockLmFineTuner t =
          tuner(base)
              .options(TinyWorld.options().withValidation(0.25, 3))
              .outputDirectory(out)
              .listener(epochs::add)
              .build();
      try (FineTunedModel model = t.fineTune(new FineTuneRequest(2, CLAIMS, EVEN, 4))) {
        Map<String, String> d = model.details();
        // the held-out items are never trained on, and "aN" says nothing about an unseen N: the
        // validation loss falls while the model learns the labels' prior, then rises
        assertThat(d).containsEntry("stoppedEarly", "true").containsEntry("validatedOn", "6");
        int best = Integer.parseInt(d.get("bestEpoch"));
        assertThat(epochs).hasSize(best + 3);
        double min = epochs.stream().mapToDouble(FineTuneProgress::validationLoss).min().orElseThrow();
        assertThat(epochs.get(best - 1).validationLoss()).isEqualTo(min);
        assertThat(epochs.get(best - 1).best()).isTrue();
        assertThat(Double.parseDouble(d.get("validationLoss"))).isCloseTo(min, within(1e-6));
        assertThat(Double.parseDouble(d.get("validationLoss"))).isLessThan(Double.parseDouble(d.get("baseValidationLoss")));
        // the kept weights are the best epoch's: their loss on the held-out groups, through the
        // scorer, is the best validation loss
        JsonObject report =
            JsonParser.parseString(Files.readString(out.resolve("round-02").resolve(BlockLmFineTuner.REPORT_FILE)))
                .getAsJsonObject();
        Set<String> held = new HashSet<>();
        report.getAsJsonArray("validationGroups").forEach(g -> held.add(g.getAsString()));
        assertThat(held).hasSize(3);
        double sum = 0;
        int n = 0;
        for (Example e : CLAIMS) {
          if (held.contains(e.group())) {
            double[] row = model.scorer().score(SPACE, List.of(new ScoreRequest(e, List.of()))).row(0);
            sum -= row[SPACE.indexOf(EVEN.label(e.id()).orElseThrow())];
            n++;
          }
        }
        assertThat(sum / n).isCloseTo(min, within(1e-4));
      }
    }
  }

  @Test
  void fineTune_savesAModelDirectoryAScorerLoads_andLeavesTheBaseAlone(@TempDir Path out) throws Exception {
    try (BlockLm base = TinyWorld.model()) {
      Map<String, float[]> before = ModelCopies.snapshot(base);
      BlockLmFineTuner t = tuner(base).options(TinyWorld.options().withMaxEpochs(3)).outputDirectory(out).build();
      List<ScoreRequest> requests = new ArrayList<>();
      for (Example e : CLAIMS) {
        requests.add(new ScoreRequest(e, List.of(labelled(CLAIMS.get(0)))));
      }
      try (FineTunedModel model = t.fineTune(FineTuneRequest.of(CLAIMS, EVEN, 1));
          BlockLm loaded = BlockLm.load(out.resolve("round-00"), Device.cpu());
          DjlScorer reloaded = scorer(loaded)) {
        assertThat(model.details()).containsEntry("directory", out.resolve("round-00").toString());
        ScoreResult a = model.scorer().score(SPACE, requests);
        ScoreResult b = reloaded.score(SPACE, requests);
        for (int i = 0; i < a.size(); i++) {
          assertThat(b.row(i)).containsExactly(a.row(i), within(1e-6));
        }
        JsonObject report =
            JsonParser.parseString(Files.readString(out.resolve("round-00").resolve(BlockLmFineTuner.REPORT_FILE)))
                .getAsJsonObject();
        assertThat(report.get("format").getAsString()).isEqualTo("icm4j-fine-tune");
        assertThat(report.getAsJsonArray("epochs")).hasSize(3);
      }
      Map<String, float[]> after = ModelCopies.snapshot(base);
      for (Map.Entry<String, float[]> e : before.entrySet()) {
        assertThat(after.get(e.getKey())).as(e.getKey()).containsExactly(e.getValue());
      }
    }
  }

  @Test
  void fineTune_manyShot_learnsTheLabelsInContext() {
    try (BlockLm base = TinyWorld.model()) {
      BlockLmFineTuner t =
          tuner(base).options(TinyWorld.options().withValidation(0, 1).withBatchSize(1).withManyShot(6)).build();
      try (FineTunedModel model = t.fineTune(FineTuneRequest.of(CLAIMS, EVEN, 1))) {
        assertThat(model.details()).containsEntry("steps", "120"); // 4 sequences of 6, 30 epochs
        List<LabelledExample> context = List.of(labelled(CLAIMS.get(0)), labelled(CLAIMS.get(1)));
        int right = 0;
        for (Example e : CLAIMS.subList(2, 24)) {
          double[] row = model.scorer().score(SPACE, List.of(new ScoreRequest(e, context))).row(0);
          right += SPACE.name(row[0] >= row[1] ? 0 : 1).equals(EVEN.label(e.id()).orElseThrow()) ? 1 : 0;
        }
        assertThat(right).as("of 22 claims after 2 demonstrations").isGreaterThanOrEqualTo(20);
      }
    }
  }

  @Test
  void fineTune_rejectsWhatTheModelCannotRead() {
    try (BlockLm base = TinyWorld.model()) {
      BlockLmFineTuner tooMany = tuner(base).options(TinyWorld.options().withValidation(0, 1).withManyShot(40)).build();
      List<Example> forty = TinyWorld.claims(0, 40);
      assertThatThrownBy(() -> tooMany.fineTune(FineTuneRequest.of(forty, TinyWorld.even(forty), 1)))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("a training sequence of 40 examples (first 'a")
          .hasMessageContaining("takes 119 tokens, more than the model's limit of 96")
          .hasMessageContaining("FineTuneOptions.withManyShot");
      LabelSpace three = LabelSpace.of("True", "False", "Maybe");
      Labeling maybe = new Labeling(three, Map.of(CLAIMS.get(0).id(), "Maybe"), Set.of());
      BlockLmFineTuner t = tuner(base).build();
      assertThatThrownBy(() -> t.fineTune(FineTuneRequest.of(CLAIMS.subList(0, 1), maybe, 1)))
          .isInstanceOf(IcmException.class)
          .hasMessageContaining("has no tokens for label 'Maybe' (text 'Maybe' encodes to the unknown token)");
    }
  }

  @Test
  void builderAndOptions_rejectBadValuesNamingThem() {
    assertThatThrownBy(() -> BlockLmFineTuner.builder().tokenizer(TinyWorld.tokenizer()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no base model set");
    FineTuneOptions d = FineTuneOptions.defaults();
    assertThatThrownBy(() -> d.withMaxEpochs(0)).hasMessage("maxEpochs must be >= 1, but was 0");
    assertThatThrownBy(() -> d.withLearningRate(-1, 0)).hasMessage("learningRate must be finite and > 0, but was -1.0");
    assertThatThrownBy(() -> d.withLearningRate(1e-3, 1e-2))
        .hasMessage("finalLearningRate must be between 0 and learningRate (0.001), but was 0.01");
    assertThatThrownBy(() -> d.withValidation(1, 3))
        .hasMessage("validationShare must be in [0, 1) (0: no validation), but was 1.0");
    assertThatThrownBy(() -> d.withManyShot(0)).hasMessage("examplesPerSequence must be >= 1, but was 0");
    assertThatThrownBy(() -> d.withWeightDecay(2)).hasMessage("weightDecay must be in [0, 1], but was 2.0");
  }

  @Test
  void baseModel_scoresAsTheBase() {
    try (BlockLm base = TinyWorld.model(); DjlScorer direct = scorer(base)) {
      BlockLmFineTuner t = tuner(base).build();
      List<ScoreRequest> requests = List.of(new ScoreRequest(CLAIMS.get(5), List.of(labelled(CLAIMS.get(2)))));
      try (FineTunedModel copy = t.baseModel()) {
        LabelScorer s = copy.scorer();
        assertThat(s.score(SPACE, requests).row(0)).containsExactly(direct.score(SPACE, requests).row(0), within(1e-9));
      }
    }
  }
}
