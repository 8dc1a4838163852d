package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.eval.Evaluation;
import org.icm4j.eval.GoldLabels;
import org.icm4j.spi.LabelScorer;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;

/** README.md's example is the code this test runs, and it does what the README says. */
class ReadmeExampleTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path SOURCE = Path.of("src/test/java/org/icm4j/ReadmeExampleTest.java");

  @Test
  void readmeExample_labelsEveryExample_confirmsItself_andChecksTrustedLabels() {
    PlantedWorld world = PlantedWorld.generate(PlantedWorld.Spec.standard(16, 1));
    LabelScorer scorer = world.scorer();
    List<Example> examples = world.examples();
    List<Example> sample = examples.subList(0, 16);
    Map<String, String> trustedLabels = new HashMap<>();
    for (Example e : sample) {
      trustedLabels.put(e.id(), world.gold().label(e.id()).orElseThrow());
    }

    // --- begin README example ---
    Icm icm = Icm.builder()
        .scorer(scorer)                      // your LabelScorer, e.g. icm-djl's DjlScorer
        .rule(Rules.exactlyOne())            // candidate answers to one question: exactly one is True
        .seed(42)
        .build();
    IcmResult result = icm.run(examples);    // a label for every example, no rule broken
    result.labels();                         // the labels (result.details(): how each was set, P)
    result.warnings();                       // what may make them wrong, and what to do; or empty

    // labels you trust for a sample (gold labels of a few questions, say): how many ICM matches
    double agreement = Evaluation.agreement(result.labels(), GoldLabels.of(LabelSpace.binary(), trustedLabels));
    // the trusted labels scored as the search scores its own: U far above ICM's on the same
    // examples means the search missed them; below, the model finds ICM's labels more coherent
    Energy trusted = icm.energy(sample, Labeling.of(LabelSpace.binary(), trustedLabels));
    // --- end README example ---

    assertThat(result.labels().isComplete()).isTrue();
    assertThat(result.inconsistency()).isZero();
    assertThat(result.details()).hasSize(examples.size());
    assertThat(result.warnings()).isEmpty();
    assertThat(result.provenance().seed()).isEqualTo(42);
    // the planted labels are what the model predicts best, and ICM found them
    assertThat(agreement).isEqualTo(1.0);
    Energy found = icm.energy(sample, Labeling.of(LabelSpace.binary(), sample, sampleLabels(result, sample)));
    assertThat(found.utility()).isEqualTo(trusted.utility());
  }

  private static Map<String, String> sampleLabels(IcmResult result, List<Example> sample) {
    Map<String, String> m = new HashMap<>();
    for (Example e : sample) {
      m.put(e.id(), result.labels().label(e.id()).orElseThrow());
    }
    return m;
  }

  @Test
  void readme_showsThisExample() throws IOException {
    List<String> readme = Files.readAllLines(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    List<String> source = Files.readAllLines(SOURCE, StandardCharsets.UTF_8);
    int from = readme.indexOf("```java") + 1;
    int to = readme.subList(from, readme.size()).indexOf("```") + from;

    assertThat(readme.subList(from, to)).isEqualTo(marked(source));
  }

  /** The lines between the markers, without their common indentation. */
  private static List<String> marked(List<String> lines) {
    int from = -1;
    int to = -1;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.equals("// --- begin README example ---")) {
        from = i + 1;
      } else if (line.equals("// --- end README example ---")) {
        to = i;
      }
    }
    List<String> block = lines.subList(from, to);
    int indent =
        block.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    return block.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList();
  }
}
