package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.icm4j.result.IcmResult;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scorer's identity (its model) enters the checkpoint's fingerprint: a changed model behind the
 * same scorer class no longer resumes a checkpoint and returns the old result (issue 23 item 10).
 */
class ScorerIdentityTest {
  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(6, 4));

  @TempDir Path dir;

  /** The same class, serving the model its identity names. */
  private static final class ModelScorer implements LabelScorer {
    private final String digest;
    final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

    ModelScorer(String digest) {
      this.digest = digest;
    }

    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      calls.incrementAndGet();
      return WORLD.scorer().score(labels, requests);
    }

    @Override
    public Map<String, String> identity() {
      return Map.of("modelDigest", digest, "vocabulary", "276");
    }
  }

  private static Icm icm(LabelScorer scorer, Path file) {
    return Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).seed(3).checkpoint(file, 5).build();
  }

  @Test
  void aCheckpointOfAnotherModel_isRejected_namingTheEntryThatDiffers() {
    Path file = dir.resolve("run.ckpt");
    IcmResult first = icm(new ModelScorer("a1b2"), file).run(WORLD.examples());

    assertThatThrownBy(() -> icm(new ModelScorer("ffee"), file).run(WORLD.examples()))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining(
            "the scorer's modelDigest is a1b2 in the checkpoint, ffee in this run (LabelScorer.identity():"
                + " a checkpoint resumes only with the model that wrote it)");
    // the same model resumes (here: returns the finished run without asking it)
    ModelScorer same = new ModelScorer("a1b2");
    IcmResult again = icm(same, file).run(WORLD.examples());
    assertThat(same.calls.get()).isZero();
    assertThat(again.labels()).isEqualTo(first.labels());
  }

  @Test
  void theIdentity_isInTheProvenance() {
    IcmResult r =
        Icm.builder().scorer(new ModelScorer("a1b2")).rule(Rules.exactlyOne()).seed(3).build().run(WORLD.examples());
    assertThat(r.provenance().configuration())
        .containsEntry("scorer.modelDigest", "a1b2")
        .containsEntry("scorer.vocabulary", "276");
  }
}
