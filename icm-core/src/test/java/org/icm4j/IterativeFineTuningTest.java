package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.icm4j.eval.Evaluation;
import org.icm4j.eval.FineTuningEvaluation;
import org.icm4j.finetune.FineTuningException;
import org.icm4j.finetune.FineTuningRound;
import org.icm4j.finetune.IterativeFineTuning;
import org.icm4j.finetune.IterativeFineTuningResult;
import org.icm4j.search.Searches;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.icm4j.spi.finetune.FineTunedModel;
import org.icm4j.spi.finetune.FineTuner;
import org.icm4j.spi.finetune.FineTuningListener;
import org.icm4j.spi.search.ChainOutcome;
import org.icm4j.testing.PlantedFineTuner;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IterativeFineTuningTest {

  /** 12 questions of 4 candidates: 48 examples, 4 batches of 12; the rest is held out. */
  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(20, 3));

  private static final List<Example> POOL = WORLD.examples().subList(0, 48);
  private static final List<Example> HELD_OUT = WORLD.examples().subList(48, 80);

  private static IterativeFineTuning loop(FineTuner tuner, FineTuningListener listener) {
    return IterativeFineTuning.builder()
        .fineTuner(tuner)
        .batchSize(12)
        .icm(b -> b.rule(Rules.exactlyOne()))
        .listener(listener)
        .seed(5)
        .build();
  }

  /** Wraps each model's scorer so that the test can see which model labelled which batch. */
  private static final class Tracking implements FineTuner {
    final PlantedFineTuner inner = new PlantedFineTuner(WORLD, 2.0);
    final List<Counted> scorers = new ArrayList<>();

    @Override
    public FineTunedModel fineTune(FineTuneRequest request) {
      FineTunedModel model = inner.fineTune(request);
      Counted scorer = new Counted(model.scorer());
      scorers.add(scorer);
      return new FineTunedModel() {
        @Override
        public LabelScorer scorer() {
          return scorer;
        }

        @Override
        public Map<String, String> details() {
          return model.details();
        }

        @Override
        public void close() {
          model.close();
        }
      };
    }
  }

  private static final class Counted implements LabelScorer {
    final LabelScorer inner;
    final AtomicInteger calls = new AtomicInteger();

    Counted(LabelScorer inner) {
      this.inner = inner;
    }

    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      calls.incrementAndGet();
      return inner.score(labels, requests);
    }

    @Override
    public ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
      calls.incrementAndGet();
      return inner.scoreLeaveOneOut(labels, labelled);
    }
  }

  @Test
  void run_labelsEachBatchWithTheModelFineTunedOnTheLabelsBefore() {
    Tracking tuner = new Tracking();
    Map<LabelScorer, Integer> nextOfRound = new IdentityHashMap<>();
    FineTuningListener listener =
        new FineTuningListener() {
          @Override
          public void onRound(FineTuningRound round, LabelScorer next) {
            nextOfRound.put(next, round.index());
          }
        };
    try (IterativeFineTuningResult result = loop(tuner, listener).run(WORLD.scorer(), POOL)) {
      assertThat(result.icm().batches()).hasSize(4);
      assertThat(result.rounds()).hasSize(4);
      // one request per round; request j holds the examples of batches 0..j and their labels
      List<FineTuneRequest> requests = tuner.inner.requests();
      assertThat(requests).hasSize(4);
      int seen = 0;
      for (int j = 0; j < 4; j++) {
        FineTuningRound round = result.rounds().get(j);
        seen += result.icm().batches().get(j).exampleIds().size();
        assertThat(round.index()).isEqualTo(j);
        assertThat(round.labelledWith()).isEqualTo(j - 1);
        assertThat(round.fineTuned()).isTrue();
        assertThat(requests.get(j).round()).isEqualTo(j);
        assertThat(requests.get(j).examples()).hasSize(seen);
        assertThat(requests.get(j).seed()).isEqualTo(IterativeFineTuning.fineTuningSeed(5, j));
        for (LabelledExample le : requests.get(j).labelled()) {
          assertThat(result.labels().label(le.example().id())).contains(le.label());
        }
        assertThat(round.trainedOn()).isEqualTo(requests.get(j).labelled().size());
        assertThat(round.batchLabels().size()).isEqualTo(result.icm().batches().get(j).exampleIds().size());
        assertThat(round.fineTuningDetails()).containsEntry("trainedOn", Integer.toString(round.trainedOn()));
      }
      // batch j + 1 was labelled by model j and by no other, and the listener saw model j as next
      for (int j = 0; j < 3; j++) {
        Counted model = tuner.scorers.get(j);
        assertThat(model.calls.get()).isPositive();
        assertThat(result.rounds().get(j + 1).labellingCost().scorerCalls()).isEqualTo(model.calls.get());
        assertThat(nextOfRound.get(model)).isEqualTo(j);
      }
      assertThat(tuner.scorers.get(3).calls.get()).as("the final model labels nothing").isZero();
      assertThat(result.finalModel().scorer()).isSameAs(tuner.scorers.get(3));
      // the base labelled batch 0 only
      assertThat(result.rounds().get(0).labellingCost().scorerCalls()).isPositive();
    }
  }

  @Test
  void run_closesEachModelWhenTheNextReplacesIt_andTheResultClosesTheFinalOne() {
    PlantedFineTuner tuner = new PlantedFineTuner(WORLD, 2.0);
    IterativeFineTuningResult result = loop(tuner, new FineTuningListener() {}).run(WORLD.scorer(), POOL);
    assertThat(tuner.requests()).hasSize(4);
    assertThat(tuner.openModels()).isEqualTo(1);
    result.close();
    assertThat(tuner.openModels()).isZero();
  }

  @Test
  void run_closesEveryModel_whenTheFineTunerFails() {
    PlantedFineTuner inner = new PlantedFineTuner(WORLD, 2.0);
    FineTuner failsInRound2 =
        request -> {
          if (request.round() == 2) {
            throw new IllegalStateException("CUDA error: out of memory");
          }
          return inner.fineTune(request);
        };
    assertThatThrownBy(() -> loop(failsInRound2, new FineTuningListener() {}).run(WORLD.scorer(), POOL))
        .isInstanceOf(FineTuningException.class)
        .hasMessageStartingWith("fine-tuning failed in round 2 (after batch 2, on ")
        .hasMessageContaining("java.lang.IllegalStateException: CUDA error: out of memory")
        .hasMessageContaining("IterativeFineTuning.Builder.checkpoint(file)")
        .hasCauseInstanceOf(IllegalStateException.class)
        .satisfies(e -> {
          FineTuningException f = (FineTuningException) e;
          assertThat(f.round()).isEqualTo(2);
          assertThat(f.completedRounds()).extracting(FineTuningRound::index).containsExactly(0, 1);
          assertThat(f.labels().labelledCount()).as("the labels of batches 0-2").isEqualTo(36);
        });
    assertThat(inner.requests()).hasSize(2);
    assertThat(inner.openModels()).isZero();
  }

  @Test
  void run_isDeterministic_andFineTuningBeatsTheBaseModelOnHeldOutExamples() {
    FineTuningEvaluation first = new FineTuningEvaluation(WORLD.gold(), HELD_OUT);
    FineTuningEvaluation second = new FineTuningEvaluation(WORLD.gold(), HELD_OUT);
    IterativeFineTuningResult a = loop(new PlantedFineTuner(WORLD, 2.0), first).run(WORLD.scorer(), POOL);
    IterativeFineTuningResult b = loop(new PlantedFineTuner(WORLD, 2.0), second).run(WORLD.scorer(), POOL);
    assertThat(b.labels()).isEqualTo(a.labels());
    assertThat(second.scores()).isEqualTo(first.scores());

    double base = Evaluation.zeroShotAccuracy(WORLD.scorer(), LabelSpace.binary(), HELD_OUT, WORLD.gold());
    List<FineTuningEvaluation.Score> scores = first.scores();
    assertThat(scores).hasSize(4);
    FineTuningEvaluation.Score last = scores.get(3);
    assertThat(last.labelledSoFar()).isEqualTo(a.labels().labelledCount());
    assertThat(last.agreementSoFar()).isEqualTo(Evaluation.agreement(a.labels(), WORLD.gold()));
    // measured: the planted model alone is right on 56.3% of the 32 held-out examples; fine-tuned
    // on ICM's labels of the first batch 84.4%, of all four 93.8%
    assertThat(base).isLessThan(0.8);
    assertThat(last.heldOutZeroShot()).isGreaterThanOrEqualTo(0.9).isGreaterThan(base + 0.15);
  }

  @Test
  void run_keepsTheCurrentModel_afterABatchWithNoLabel() {
    PlantedFineTuner tuner = new PlantedFineTuner(WORLD, 2.0);
    // a search that labels nothing in batch 0 and anneals the others
    org.icm4j.spi.search.SearchStrategy nothingFirst =
        problem -> {
          if (problem.batchIndex() == 0) {
            int[] none = new int[problem.size()];
            java.util.Arrays.fill(none, -1);
            return new ChainOutcome(problem.evaluate(none), 0, 0, List.of(), false);
          }
          return Searches.annealing().search(problem);
        };
    IterativeFineTuning loop =
        IterativeFineTuning.builder()
            .fineTuner(tuner)
            .batchSize(12)
            .icm(b -> b.rule(Rules.exactlyOne()).search(nothingFirst).labelEveryExample(false))
            .seed(5)
            .build();
    try (IterativeFineTuningResult result = loop.run(WORLD.scorer(), POOL)) {
      FineTuningRound first = result.rounds().get(0);
      assertThat(first.batchLabels().labelledCount()).isZero();
      assertThat(first.fineTuned()).isFalse();
      assertThat(first.trainedOn()).isZero();
      assertThat(result.rounds().get(1).labelledWith()).isEqualTo(-1);
      assertThat(result.rounds().get(2).labelledWith()).isEqualTo(1);
      assertThat(tuner.requests()).extracting(FineTuneRequest::round).containsExactly(1, 2, 3);
      // the unlabelled examples of batch 0 travel with the request, unlabelled
      assertThat(tuner.requests().get(0).examples()).hasSize(24);
      assertThat(tuner.requests().get(0).labels().unlabelledIds()).hasSizeGreaterThanOrEqualTo(12);
    }
  }

  @Test
  void build_rejectsMissingSettingsAndCheckpoints(@TempDir Path dir) {
    FineTuner tuner = new PlantedFineTuner(WORLD, 1.0);
    assertThatThrownBy(() -> IterativeFineTuning.builder().batchSize(4).seed(1).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no fine-tuner set");
    assertThatThrownBy(() -> IterativeFineTuning.builder().fineTuner(tuner).seed(1).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no batch size set");
    assertThatThrownBy(() -> IterativeFineTuning.builder().fineTuner(tuner).batchSize(4).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no seed set");
    assertThatThrownBy(() -> IterativeFineTuning.builder().batchSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchSize must be >= 1, but was 0");
    assertThatThrownBy(
            () ->
                IterativeFineTuning.builder()
                    .fineTuner(tuner)
                    .batchSize(4)
                    .seed(1)
                    .icm(b -> b.checkpoint(dir.resolve("c.json"), 10))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("every 10 iterations")
        .hasMessageContaining("remove checkpoint(...)");
    assertThatCode(() -> IterativeFineTuning.builder().icm(b -> b.alpha(-1)))
        .as("settings are not applied before build")
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () -> IterativeFineTuning.builder().fineTuner(tuner).batchSize(4).seed(1).icm(b -> b.alpha(-1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("alpha must be > 0");
  }
}
