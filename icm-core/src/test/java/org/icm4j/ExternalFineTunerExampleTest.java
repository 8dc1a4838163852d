package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.icm4j.finetune.FineTuningRound;
import org.icm4j.finetune.IterativeFineTuning;
import org.icm4j.finetune.IterativeFineTuningResult;
import org.icm4j.io.Jsonl;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.finetune.FineTuneRequest;
import org.icm4j.spi.finetune.FineTunedModel;
import org.icm4j.spi.finetune.FineTuner;
import org.icm4j.testing.PlantedFineTuner;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps docs/fine-tuning.md's external-trainer example compiling and running: a {@link FineTuner}
 * that writes the request as SFT records, hands them to a trainer outside icm4j, and loads what it
 * returns. Here the "external trainer" reads the SFT file back and fine-tunes the planted model on
 * it, which proves the file holds every labelled example and nothing else.
 */
class ExternalFineTunerExampleTest {

  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(8, 2));

  /** What a user's job runner would do: train on sft.jsonl, return a scorer over the result. */
  private static LabelScorer trainExternally(Path sft, long seed) {
    Map<String, String> labels = new HashMap<>();
    List<Example> examples = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try {
      for (String line : Files.readAllLines(sft)) {
        JsonNode n = json.readTree(line);
        String id = n.get("id").asText();
        labels.put(id, n.get("completion").asText());
        examples.add(WORLD.examples().stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow());
        assertThat(n.get("prompt").asText()).isEqualTo(examples.get(examples.size() - 1).prompt());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Labeling l = new Labeling(LabelSpace.binary(), labels, new HashSet<>());
    return new PlantedFineTuner(WORLD, 2.0).fineTune(FineTuneRequest.of(examples, l, seed)).scorer();
  }

  @Test
  void externalFineTuner_writesTheLabelledExamplesAsSftRecords_andServesWhatTheTrainerReturns(@TempDir Path work) {
    // --- begin docs/fine-tuning.md example ---
    FineTuner external = request -> {
      Path round = work.resolve("round-" + request.round());
      try {
        Files.createDirectories(round);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path sft = round.resolve("sft.jsonl");
      Jsonl.writeSft(sft, request.examples(), request.labels());      // {"id","prompt","completion"}
      LabelScorer tuned = trainExternally(sft, request.seed());        // your job runner
      return FineTunedModel.of(tuned, Map.of("sft", sft.toString()));
    };
    // --- end docs/fine-tuning.md example ---

    IterativeFineTuning loop =
        IterativeFineTuning.builder().fineTuner(external).batchSize(8).icm(b -> b.rule(Rules.exactlyOne()))
            .seed(3).build();
    try (IterativeFineTuningResult result = loop.run(WORLD.scorer(), WORLD.examples())) {
      assertThat(result.rounds()).hasSize(4);
      for (FineTuningRound r : result.rounds()) {
        Path sft = work.resolve("round-" + r.index()).resolve("sft.jsonl");
        assertThat(r.fineTuningDetails()).containsEntry("sft", sft.toString());
        assertThat(Files.exists(sft)).isTrue();
      }
      try {
        assertThat(Files.readAllLines(work.resolve("round-3").resolve("sft.jsonl")))
            .hasSize(result.labels().labelledCount());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
