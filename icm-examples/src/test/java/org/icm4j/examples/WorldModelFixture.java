package org.icm4j.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.djl.DjlScorer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** Loads one world model for all tests of a class: the embedded one, or a committed directory. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class WorldModelFixture {
  static final SyntheticWorld WORLD = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);
  static final LabelSpace SPACE = LabelSpace.binary();
  DemoCommand.Model model;
  DjlScorer scorer;

  /** The model directory, or null for the embedded model. */
  abstract @Nullable Path blockModel();

  @BeforeAll
  void load() throws IOException {
    model = DemoCommand.Model.open(null, blockModel(), WORLD);
    scorer = model.scorer();
  }

  @AfterAll
  void close() {
    scorer.close();
    model.close();
  }

  double mutualPredictability(List<LabelledExample> labelled) {
    return WorldProbe.mutualPredictability(scorer, labelled);
  }
}
