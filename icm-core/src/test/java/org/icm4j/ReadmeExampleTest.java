package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.icm4j.spi.LabelScorer;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;

/** Keeps README.md's five-line example compiling and running. */
class ReadmeExampleTest {

  @Test
  void readmeExample_runsAndLabelsEveryExample() {
    PlantedWorld world = PlantedWorld.generate(PlantedWorld.Spec.standard(8, 1));
    LabelScorer scorer = world.scorer();
    List<Example> examples = world.examples();

    // --- begin README example ---
    Icm icm = Icm.builder()
        .scorer(scorer)                      // your LabelScorer, e.g. icm-djl's DjlScorer
        .rule(Rules.exactlyOne())            // candidate answers to one question: exactly one is True
        .seed(42)
        .build();
    IcmResult result = icm.run(examples);    // result.labels(), result.utility(), result.provenance()
    // --- end README example ---

    assertThat(result.labels().isComplete()).isTrue();
    assertThat(result.provenance().seed()).isEqualTo(42);
  }
}
