package org.icm4j.internal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icm4j.CheckpointException;
import org.icm4j.internal.checkpoint.GoldenRun.Variant;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.LabelDetail;
import org.icm4j.result.LabelSource;
import org.icm4j.result.RunStatus;
import org.icm4j.spi.IcmListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The golden checkpoint files under {@code src/test/resources/checkpoints}, written by {@link
 * GoldenRun} (two batches, two chains, cancelled in batch 1): this version must read the current
 * format's files and resume them to the result written below, write every one of their records
 * back byte for byte, and refuse the files of other formats with the documented message
 * (docs/architecture.md, "Checkpoints"). When one of these fails after a change, the change
 * altered the checkpoint format: see docs/architecture.md, "Changing the checkpoint format".
 */
class GoldenCheckpointTest {
  @TempDir Path dir;

  /** The labels of both golden runs, uninterrupted or resumed. */
  private static final Map<String, String> LABELS = labels(
      "q0a", "True", "q0b", "False", "q1a", "False", "q1b", "True", "q2a", "False", "q2b", "True",
      "q3a", "False", "q3b", "True", "q4a", "False", "q4b", "True", "q5a", "False", "q5b", "True",
      "q6a", "False", "q6b", "True", "q7a", "True", "q7b", "False");

  private static Map<String, String> labels(String... idLabel) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < idLabel.length; i += 2) {
      m.put(idLabel[i], idLabel[i + 1]);
    }
    return m;
  }

  /** A copy of a golden file in this test's directory. */
  private Path golden(String name) throws IOException {
    Path file = dir.resolve(name);
    try (InputStream in = GoldenCheckpointTest.class.getResourceAsStream("/checkpoints/" + name)) {
      assertThat(in).as("golden file %s", name).isNotNull();
      Files.copy(in, file);
    }
    return file;
  }

  private static String fileName(Variant v, int format) {
    return "format-" + format + "-" + v.name().toLowerCase(java.util.Locale.ROOT) + ".ckpt";
  }

  // ---- the current format: read, resumed, written back the same

  @ParameterizedTest
  @EnumSource(Variant.class)
  void theGoldenFile_resumesToTheKnownResult_withoutRedoingWhatItHolds(Variant v) throws IOException {
    Path file = golden(fileName(v, 4));
    List<Integer> batchesStarted = Collections.synchronizedList(new ArrayList<>());
    List<String> chainsEnded = Collections.synchronizedList(new ArrayList<>());
    List<Integer> firstIterations = Collections.synchronizedList(new ArrayList<>());
    IcmListener listener =
        new IcmListener() {
          @Override
          public void onBatchStart(int batchIndex, int batchCount, int examples) {
            batchesStarted.add(batchIndex);
          }

          @Override
          public void onChainEnd(int batchIndex, int chainIndex, double utility, boolean cancelled) {
            chainsEnded.add(batchIndex + "/" + chainIndex);
          }

          @Override
          public void onIteration(int batchIndex, int chainIndex, IterationRecord record) {
            if (firstIterations.isEmpty()) {
              firstIterations.add(record.iteration());
            }
          }
        };

    IcmResult r =
        GoldenRun.builder(v).checkpoint(file, GoldenRun.EVERY).listener(listener).build().run(GoldenRun.examples());

    assertThat(r.status()).isEqualTo(RunStatus.COMPLETE);
    assertThat(r.labels().asMap()).containsExactlyEntriesOf(LABELS);
    assertThat(r.utility()).isEqualTo(25.000000000000007);
    assertThat(r.mutualPredictability()).isEqualTo(0.25000000000000006);
    assertThat(r.inconsistency()).isZero();
    // batch 0 and chain 0 of batch 1 come from the file: only chain 1 of batch 1 runs, from where
    // the file left it (the annealing at iteration 25, the default search at its 6th record)
    assertThat(batchesStarted).containsExactly(1);
    assertThat(chainsEnded).containsExactly("1/1");
    assertThat(firstIterations).containsExactly(v == Variant.ANNEALING ? 26 : 7);
    BatchSummary b0 = r.batches().get(0);
    BatchSummary b1 = r.batches().get(1);
    assertThat(b0.exampleIds()).containsExactly("q0a", "q0b", "q1a", "q1b", "q2a", "q2b", "q4a", "q4b");
    assertThat(b1.exampleIds()).containsExactly("q3a", "q3b", "q5a", "q5b", "q6a", "q6b", "q7a", "q7b");
    assertThat(b0.utility()).isEqualTo(12.500000000000004);
    assertThat(b1.utility()).isEqualTo(12.500000000000004);
    LabelDetail first = r.details().get(0);
    assertThat(first).isEqualTo(new LabelDetail("q0a", "True", LabelSource.SEARCH, 0.4625701546562504));
    if (v == Variant.ANNEALING) {
      assertThat(r.counts().iterations()).isEqualTo(160);
      assertThat(r.counts().accepted()).isEqualTo(4);
      assertThat(List.of(b0.bestChain(), b0.history().size(), b0.starts(), b0.startsAtBest())).containsExactly(1, 40, 2, 1);
      assertThat(List.of(b1.bestChain(), b1.history().size(), b1.starts(), b1.startsAtBest())).containsExactly(1, 40, 2, 1);
    } else {
      assertThat(r.counts().iterations()).isEqualTo(514);
      assertThat(r.counts().accepted()).isEqualTo(131);
      assertThat(List.of(b0.bestChain(), b0.history().size(), b0.starts(), b0.startsAtBest())).containsExactly(0, 129, 42, 11);
      assertThat(List.of(b1.bestChain(), b1.history().size(), b1.starts(), b1.startsAtBest())).containsExactly(0, 130, 42, 7);
      assertThat(b0.alternatives()).hasSize(3);
      assertThat(b1.alternatives()).hasSize(3);
    }
  }

  @Test
  void theGoldenFile_readsAsTheStateItWasWrittenFrom() throws IOException {
    Path file = golden(fileName(Variant.ANNEALING, 4));
    try (CheckpointStore store = CheckpointStore.open(file, expected(Variant.ANNEALING))) {
      assertThat(store.finished()).hasSize(1);
      CheckpointStore.FinishedBatch b0 = store.finished().get(0);
      assertThat(b0.labels()).containsExactly(0, 1, 1, 0, 1, 0, 1, 0); // "True" is label 0
      assertThat(b0.counts()).isEqualTo(new org.icm4j.result.RunCounts(80, 1, 38, 192, 1536));
      CheckpointStore.ChainData done = store.chain(1, 0);
      assertThat(List.of(done.done(), done.iteration(), done.accepted(), done.history().size(), done.saved().size(), done.bestEnd()))
          .containsExactly(true, 40, 3, 40, 1, 0);
      assertThat(List.of(done.calls(), done.queries(), done.tokens())).containsExactly(38L, 227L, 1816L);
      assertThat(done.rng()).isEqualTo(-6209212556625677318L);
      CheckpointStore.ChainData running = store.chain(1, 1);
      assertThat(List.of(running.done(), running.iteration(), running.accepted(), running.history().size(), running.bestEnd()))
          .containsExactly(false, 25, 0, 25, -1);
      assertThat(running.rng()).isEqualTo(3629512734320320220L);
      assertThat(running.labels()).containsExactly(1, 0, 1, 0, 1, 0, 0, 1);
      assertThat(running.bestLabels()).hasSize(8);
    }
  }

  /** What {@code Engine} expects of a golden run's checkpoint, from the file's own header. */
  private CheckpointStore.Expected expected(Variant v) throws IOException {
    // the run's own Expected is built by the engine; here the header's fingerprint, configuration
    // and digests are taken as they are, and the rest is the golden run's settings
    JsonNode h = CheckpointLines.JSON.readTree(Files.readAllLines(dir.resolve(fileName(v, 4))).get(0).substring(65));
    Map<String, String> configuration =
        CheckpointLines.JSON.convertValue(h.get("configuration"), new TypeReference<Map<String, String>>() {});
    List<CheckpointStore.ExampleDigest> digests = new ArrayList<>();
    for (JsonNode e : h.get("examples")) {
      digests.add(new CheckpointStore.ExampleDigest(e.get(0).asText(), e.get(1).asText(), e.get(2).asText(), e.get(3).asText()));
    }
    return new CheckpointStore.Expected(
        h.get("fingerprint").asText(), configuration, digests,
        List.of(
            List.of("q0a", "q0b", "q1a", "q1b", "q2a", "q2b", "q4a", "q4b"),
            List.of("q3a", "q3b", "q5a", "q5b", "q6a", "q6b", "q7a", "q7b")),
        org.icm4j.LabelSpace.binary(), 2, 50, 2026, v == Variant.ANNEALING ? 40 : Integer.MAX_VALUE, true);
  }

  /**
   * Every record of a golden file, read into this version's state and written again, gives the
   * line it was read from, byte for byte: a change of a record's fields, names, order or
   * conversion fails here (and must come with a new format).
   */
  @ParameterizedTest
  @EnumSource(Variant.class)
  void everyRecordOfTheGoldenFile_isWrittenBackByteForByte(Variant v) throws IOException {
    List<String> lines = Files.readAllLines(golden(fileName(v, 4)), StandardCharsets.UTF_8);
    var sha = CheckpointLines.sha256();
    Map<Integer, List<IterationRecord>> histories = new HashMap<>();
    Map<Integer, List<org.icm4j.spi.search.ChainCheckpoint.Saved>> saved = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      JsonNode node = CheckpointLines.JSON.readTree(line.substring(65));
      Object again =
          switch (node.get("kind").asText()) {
            case "header" -> CheckpointLines.JSON.treeToValue(node, CheckpointFormat.HeaderLine.class);
            case "batch" -> {
              CheckpointFormat.BatchLine b = CheckpointLines.JSON.treeToValue(node, CheckpointFormat.BatchLine.class);
              histories.clear();
              saved.clear();
              yield CheckpointFormat.BatchLine.of(b.seq(), b.toFinished());
            }
            case "chain" -> {
              CheckpointFormat.ChainLine c = CheckpointLines.JSON.treeToValue(node, CheckpointFormat.ChainLine.class);
              // the chain's history and saved labelings: the prefix the line keeps, then its own
              List<IterationRecord> h = histories.computeIfAbsent(c.chain(), k -> new ArrayList<>());
              h.subList(c.historyFrom(), h.size()).clear();
              c.history().forEach(r -> h.add(r.toRecord()));
              List<org.icm4j.spi.search.ChainCheckpoint.Saved> s = saved.computeIfAbsent(c.chain(), k -> new ArrayList<>());
              s.subList(c.savedFrom(), s.size()).clear();
              c.saved().forEach(l -> s.add(l.toSaved()));
              CheckpointStore.ChainData data = c.toData(h, s);
              yield CheckpointFormat.ChainLine.of(c.seq(), c.batch(), data, c.historyFrom(), c.savedFrom());
            }
            default -> throw new AssertionError("kind " + node.get("kind"));
          };
      String written = new String(CheckpointLines.encode(again, sha), StandardCharsets.UTF_8);
      assertThat(written).as("line %s of %s", i + 1, fileName(v, 4)).isEqualTo(line + "\n");
    }
    assertThat(lines).hasSizeGreaterThan(10);
  }

  // ---- other formats: refused with the documented message

  @Test
  void aFormatThreeCheckpoint_writtenByThePreviousVersion_isRefusedSayingWhatToDo() throws IOException {
    Path file = golden(fileName(Variant.ANNEALING, 3));
    CheckpointException e =
        catchThrowableOfType(
            CheckpointException.class,
            () -> GoldenRun.builder(Variant.ANNEALING).checkpoint(file, GoldenRun.EVERY).build().run(GoldenRun.examples()));
    assertThat(e)
        .hasMessage(
            "checkpoint " + file + " has format 3, written by an earlier icm4j; this one reads format 4 only:"
                + " finish the run with the icm4j version that wrote it, or delete the file to start afresh (the"
                + " run then labels every batch again)");
    // iterative fine-tuning reads the finished batches of ICM's checkpoint first: the same refusal
    assertThat(catchThrowableOfType(CheckpointException.class, () -> FineTuningState.finishedBatches(file)))
        .hasMessage(e.getMessage());
  }

  @Test
  void aCheckpointOfALaterFormat_isRefusedSayingWhichVersionResumesIt() throws IOException {
    Path file = golden(fileName(Variant.ANNEALING, 4));
    List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    ObjectNode header = (ObjectNode) CheckpointLines.JSON.readTree(lines.get(0).substring(65));
    header.put("format", 5);
    lines.set(0, new String(CheckpointLines.encode(header, CheckpointLines.sha256()), StandardCharsets.UTF_8).strip());
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    CheckpointException e =
        catchThrowableOfType(
            CheckpointException.class,
            () -> GoldenRun.builder(Variant.ANNEALING).checkpoint(file, GoldenRun.EVERY).build().run(GoldenRun.examples()));
    assertThat(e)
        .hasMessage(
            "checkpoint " + file + " has format 5, written by a later icm4j; this one reads format 4 only:"
                + " resume it with the icm4j version that wrote it (or a later one), or delete the file to start"
                + " afresh (the run then labels every batch again)");
  }
}
