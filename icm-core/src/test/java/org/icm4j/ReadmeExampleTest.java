package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.icm4j.eval.Evaluation;
import org.icm4j.eval.GoldLabels;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IcmWarning;
import org.icm4j.result.LabelSource;
import org.icm4j.result.LabelSuggestion;
import org.icm4j.spi.LabelScorer;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;

/** README.md's example is the code this test runs, and it does what the README says. */
class ReadmeExampleTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path SOURCE = Path.of("src/test/java/org/icm4j/ReadmeExampleTest.java");

  @Test
  void readmeExample_warnsOfTheCompetingConcept_andTrustedLabelsOfItsSuggestionsSettleIt() {
    // a second concept, more salient than the intended one, obeys the same rule
    PlantedWorld world = PlantedWorld.generate(PlantedWorld.Spec.competing(16, 1.25, 1));
    LabelScorer scorer = world.scorer();
    List<Example> examples = world.examples();
    GoldLabels gold = world.gold(); // for evaluation only
    Function<List<LabelSuggestion>, Map<String, String>> askAPerson =
        suggested -> {
          Map<String, String> answers = new HashMap<>();
          suggested.forEach(s -> answers.put(s.exampleId(), world.gold().label(s.exampleId()).orElseThrow()));
          return answers;
        };

    // --- begin README example ---
    Icm icm = Icm.builder()
        .scorer(scorer)                      // your LabelScorer, e.g. icm-djl's DjlScorer
        .rule(Rules.exactlyOne())            // candidate answers to one question: exactly one is True
        .seed(42)
        .build();
    IcmResult result = icm.run(examples);    // a label for every example, no rule broken
    result.labels();                         // the labels (result.details(): how each was set, P)
    result.warnings();                       // what may make them wrong, and what to do; or empty

    // COMPETING_LABELING: another concept is nearly as coherent (result.batches(): alternatives).
    // A person labels the examples that decide between them; the next run keeps those labels.
    List<LabelSuggestion> next = result.suggestions();          // most decisive first, with reasons
    Labeling mine = Labeling.of(LabelSpace.binary(), askAPerson.apply(next.subList(0, 8)));
    IcmResult settled = Icm.builder().scorer(scorer).rule(Rules.exactlyOne()).seed(42)
        .trustedLabels(mine)                 // never changed, context for the rest, counted in P
        .build()
        .run(examples);

    // gold labels measure a result and never reach the search; leave the trusted examples out
    double agreement = Evaluation.agreement(settled.labels(), gold, mine);
    // --- end README example ---

    assertThat(result.labels().isComplete()).isTrue();
    assertThat(result.inconsistency()).isZero();
    assertThat(Evaluation.agreement(result.labels(), gold)).isLessThan(0.7); // the other concept
    assertThat(result.warnings()).extracting(IcmWarning::kind).contains(IcmWarning.Kind.COMPETING_LABELING);
    assertThat(next).hasSizeGreaterThanOrEqualTo(8);
    assertThat(settled.details()).filteredOn(d -> d.source() == LabelSource.TRUSTED).hasSize(8);
    assertThat(agreement).isGreaterThanOrEqualTo(0.95);
    assertThat(settled.provenance().seed()).isEqualTo(42);
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
