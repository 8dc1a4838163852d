package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.icm4j.RunAssertions.assertSameSearch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.RunStatus;
import org.icm4j.search.Searches;
import org.icm4j.spi.IcmListener;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A checkpoint that was changed, cut short or written by another run is rejected with a message
 * that names the file, the line and what differs, or, where it is the torn end of a write, resumed
 * from the record before; never a wrong result, never a raw exception.
 */
class CheckpointIntegrityTest {
  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(12, 5));
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  @TempDir static Path shared;

  private static IcmResult uninterrupted;
  private static IcmResult uninterruptedDefault;
  /** Checkpoints cancelled in batch 1, of the paper's annealing and of the default search. */
  private static Path paperCancelled;
  private static Path defaultCancelled;

  private static Icm.Builder paper() {
    return Icm.builder().search(Searches.paper().withIterations(60)).scorer(WORLD.scorer()).rule(Rules.exactlyOne())
        .rule(Rules.answerKey("answer")).chains(2).batchSize(16).seed(11);
  }

  private static Icm.Builder multiStart() {
    return Icm.builder().scorer(WORLD.scorer()).rule(Rules.exactlyOne()).rule(Rules.answerKey("answer"))
        .chains(2).batchSize(16).seed(11);
  }

  @BeforeAll
  static void runUninterrupted() {
    uninterrupted = paper().build().run(WORLD.examples());
    uninterruptedDefault = multiStart().build().run(WORLD.examples());
    assertThat(uninterrupted.batches()).hasSize(3);
    paperCancelled = cancelledInBatchOne(paper(), 30, shared.resolve("paper.ckpt"));
    defaultCancelled = cancelledInBatchOne(multiStart(), 3, shared.resolve("default.ckpt"));
  }

  /** A copy of a shared cancelled checkpoint in this test's directory. */
  private Path copy(Path cancelled) throws IOException {
    return Files.copy(cancelled, dir.resolve("run.ckpt"));
  }

  /** Cancels the run at the given record of the given batch's chain 0. */
  private static IcmListener cancelAt(CancellationToken token, int batch, int record) {
    return new IcmListener() {
      @Override
      public void onIteration(int b, int c, IterationRecord r) {
        if (b == batch && c == 0 && r.iteration() == record) {
          token.cancel();
        }
      }
    };
  }

  /** A checkpoint of the paper's annealing cancelled in batch 1: batch 0 finished, chains of batch 1. */
  private Path cancelledInBatchOne(Icm.Builder builder, int record) {
    return cancelledInBatchOne(builder, record, dir.resolve("run.ckpt"));
  }

  private static Path cancelledInBatchOne(Icm.Builder builder, int record, Path file) {
    CancellationToken token = new CancellationToken();
    IcmResult r = builder.checkpoint(file, 5).listener(cancelAt(token, 1, record)).build().run(WORLD.examples(), token);
    assertThat(r.status()).isEqualTo(RunStatus.CANCELLED);
    return file;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> lines(Path file) throws IOException {
    return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
  }

  private static void write(Path file, List<String> lines) throws IOException {
    Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  private static ObjectNode record(String line) throws IOException {
    return (ObjectNode) JSON.readTree(line.substring(65));
  }

  private static String kind(String line) throws IOException {
    return record(line).get("kind").asText();
  }

  /** The index of the first (or last) line of a kind. */
  private static int find(List<String> lines, String kind, boolean last) throws IOException {
    int found = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (kind(lines.get(i)).equals(kind)) {
        found = i;
        if (!last) {
          break;
        }
      }
    }
    assertThat(found).as("a %s record", kind).isNotNegative();
    return found;
  }

  /**
   * Edits the JSON of one line; {@code reseal} writes the checksum of the edited JSON (a
   * deliberate forgery, or a writer's bug), else the line keeps the checksum it had.
   */
  private static void edit(Path file, int index, boolean reseal, Consumer<ObjectNode> change) throws IOException {
    List<String> lines = lines(file);
    ObjectNode node = record(lines.get(index));
    String before = node.toString();
    change.accept(node);
    String json = JSON.writeValueAsString(node);
    assertThat(json).as("the edit changes the record").isNotEqualTo(before);
    lines.set(index, (reseal ? sha256(json) : lines.get(index).substring(0, 64)) + " " + json);
    write(file, lines);
  }

  private CheckpointException rejected(Icm.Builder builder, Path file) {
    CheckpointException e =
        catchThrowableOfType(
            CheckpointException.class, () -> builder.checkpoint(file, 5).build().run(WORLD.examples()));
    assertThat(e).as("the checkpoint is rejected").isNotNull();
    assertThat(e).hasMessageContaining(file.toString()).hasMessageNotContaining("REDACTED");
    return e;
  }

  // ---- edits: the checksum

  static Stream<Arguments> edits() {
    return Stream.of(
        Arguments.of("a finished batch's label", "batch", (Consumer<ObjectNode>) n -> flipFirstLabel(n)),
        Arguments.of("a chain's saved P", "chain", (Consumer<ObjectNode>) n -> n.put("p", 99.0)),
        Arguments.of("a chain's iteration count", "chain", (Consumer<ObjectNode>) n -> n.put("iteration", n.get("iteration").asInt() + 5)));
  }

  private static void flipFirstLabel(ObjectNode n) {
    ArrayNode labels = (ArrayNode) n.get("labels");
    for (int i = 0; i < labels.size(); i++) {
      if (labels.get(i).asInt() >= 0) {
        labels.set(i, 1 - labels.get(i).asInt());
        return;
      }
    }
    throw new AssertionError("no labelled example");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("edits")
  void anEditedRecord_failsItsChecksum_namingTheFileAndTheLine(String what, String kind, Consumer<ObjectNode> change)
      throws IOException {
    Path file = copy(paperCancelled);
    int index = find(lines(file), kind, true);
    edit(file, index, false, change);

    assertThat(rejected(paper(), file))
        .hasMessageContaining("line " + (index + 1) + " does not match its checksum")
        .hasMessageContaining("Delete it to start afresh");
  }

  // ---- forged records (checksum recomputed): the checks of what a record holds

  static Stream<Arguments> forgeries() {
    return Stream.of(
        Arguments.of("batch", (Consumer<ObjectNode>) n -> ((ArrayNode) n.get("labels")).set(3, 7),
            "' label index 7, outside the label space [True, False]"),
        Arguments.of("batch", (Consumer<ObjectNode>) CheckpointIntegrityTest::flipFirstLabel, "otherwise than its details do"),
        Arguments.of("batch", (Consumer<ObjectNode>) n -> ((ObjectNode) n.get("summary")).put("mutualPredictability", 99.0),
            "but alpha * P - I is"),
        Arguments.of("batch", (Consumer<ObjectNode>) n -> n.put("batch", 2), "is the record of batch 2, but the records before it finished 0 batches"),
        Arguments.of("batch", (Consumer<ObjectNode>) n -> ((ObjectNode) n.get("counts")).put("iterations", 7), "counts 7 iterations"),
        Arguments.of("chain", (Consumer<ObjectNode>) n -> ((ArrayNode) n.get("labels")).set(0, -2), "label index -2, outside the label space"),
        Arguments.of("chain", (Consumer<ObjectNode>) n -> ((ArrayNode) n.get("labels")).remove(0), "labeling has 15 labels, but the batch has 16 examples"),
        Arguments.of("chain", (Consumer<ObjectNode>) n -> n.put("p", "Infinity"), "P is Infinity, not finite"),
        Arguments.of("chain", (Consumer<ObjectNode>) n -> n.put("iteration", n.get("iteration").asInt() + 5), "but its history holds"),
        Arguments.of("chain", (Consumer<ObjectNode>) n -> n.put("iteration", 61), "the run allows 60 iterations"),
        Arguments.of("chain", (Consumer<ObjectNode>) n -> n.put("accepted", n.get("iteration").asInt() + 1), "accepted moves"),
        Arguments.of("chain", (Consumer<ObjectNode>) n -> n.put("chain", 5), "names chain 5, but the run has 2 chains"),
        Arguments.of("chain", (Consumer<ObjectNode>) n -> n.put("historyFrom", 10_000), "keeps 10000 history records"),
        Arguments.of("chain", (Consumer<ObjectNode>) n -> n.remove("rng"), "lacks its field 'rng'"),
        Arguments.of("chain", (Consumer<ObjectNode>) n -> n.put("seq", 1), "is record 1 where record"),
        Arguments.of("chain", (Consumer<ObjectNode>) n -> n.put("kind", "batches"), "has kind 'batches'"));
  }

  @ParameterizedTest(name = "{0} record: {2}")
  @MethodSource("forgeries")
  void aForgedRecord_failsTheChecksOfWhatItHolds_namingTheLine(String kind, Consumer<ObjectNode> change, String message)
      throws IOException {
    Path file = copy(paperCancelled);
    int index = find(lines(file), kind, true);
    edit(file, index, true, change);

    assertThat(rejected(paper(), file))
        .hasMessageContaining("line " + (index + 1) + " ")
        .hasMessageContaining(message)
        .hasMessageContaining("delete the file to start afresh, or resume with the run that wrote it");
  }

  @Test
  void aForgedSavedLabelingOfTheWrongLength_isRejected() throws IOException {
    Path file = copy(defaultCancelled);
    List<String> lines = lines(file);
    int index = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (kind(lines.get(i)).equals("chain") && record(lines.get(i)).get("saved").size() > 0) {
        index = i;
      }
    }
    assertThat(index).as("a chain record with saved labelings").isNotNegative();
    edit(file, index, true, n -> ((ArrayNode) n.get("saved").get(0).get("labels")).add(0));

    assertThat(rejected(multiStart(), file)).hasMessageContaining("saved labeling has 17 labels, but the batch has 16 examples");
  }

  // ---- truncation

  @ParameterizedTest(name = "paper annealing: {0}")
  @ValueSource(booleans = {true, false})
  void aCheckpointCutShort_resumesFromItsLastWholeRecord_orIsRejectedInsideTheHeader(boolean paper) throws IOException {
    Icm.Builder builder = paper ? paper() : multiStart();
    IcmResult expected = paper ? uninterrupted : uninterruptedDefault;
    Path original = paper ? paperCancelled : defaultCancelled;
    byte[] all = Files.readAllBytes(original);
    List<String> lines = lines(original);
    int header = lines.get(0).length() + 1;
    int third = header + lines.get(1).length() + 1 + lines.get(2).length() + 1;
    int[] cuts = {10, header - 1, header, third, third + 7, all.length - 1};
    for (int cut : cuts) {
      Path file = dir.resolve("cut-" + cut + ".ckpt");
      Files.write(file, java.util.Arrays.copyOf(all, cut));
      if (cut < header) {
        assertThat(rejected(builder, file))
            .as("cut at %d", cut)
            .hasMessageContaining("line 1, the header")
            .hasMessageContaining("cut short")
            .hasMessageContaining("delete it to start afresh");
        continue;
      }
      IcmResult resumed = builder.checkpoint(file, 5).build().run(WORLD.examples());
      assertThat(resumed.status()).as("cut at %d", cut).isEqualTo(RunStatus.COMPLETE);
      assertSameSearch(expected, resumed);
      // the torn end was cut off; the completed file holds whole records only
      assertThat(Files.readString(file)).endsWith("\n");
      assertThat(lines(file)).allMatch(l -> l.length() > 65 && sha256(l.substring(65)).equals(l.substring(0, 64)));
    }
  }

  @Test
  void anEmptyFile_isRejected() throws IOException {
    Path file = dir.resolve("empty.ckpt");
    Files.write(file, new byte[0]);
    assertThat(rejected(paper(), file)).hasMessageContaining("is empty");
  }

  // ---- housekeeping

  @Test
  void staleTemporariesOfTheCheckpoint_areRemovedWhenItOpens_othersAreLeft() throws IOException {
    Path file = dir.resolve("run.ckpt");
    for (String name : List.of("run.ckpt.8812739123.tmp", "run.ckpt4471.tmp", "run.ckpt.x1.tmp", "other.ckpt.123.tmp", "keep.txt")) {
      Files.writeString(dir.resolve(name), "left by a crash");
    }
    paper().checkpoint(file, 5).build().run(WORLD.examples());
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "run.ckpt", "run.ckpt.lock", "run.ckpt.x1.tmp", "other.ckpt.123.tmp", "keep.txt");
    }
  }

  // ---- another configuration, data set or scorer

  @Test
  void aCheckpointOfAnotherSetting_saysWhichSettingDiffers() {
    Path file = cancelledInBatchOne(paper().alpha(30), 30);
    assertThat(rejected(paper(), file))
        .hasMessageContaining("was written by another configuration or data set")
        .hasMessageContaining("setting 'alpha' is 30.0 in the checkpoint, 50.0 in this run")
        .hasMessageContaining("delete the file");
    assertThat(rejected(multiStart(), file))
        .hasMessageContaining("setting 'iterations' is 60 in the checkpoint and not set in this run")
        .hasMessageContaining("setting 'search' is annealing in the checkpoint");
  }

  @Test
  void aCheckpointOfOtherExamples_saysWhichExamplesDiffer() throws IOException {
    Path file = copy(paperCancelled);
    List<Example> more = new ArrayList<>(WORLD.examples());
    more.add(Example.of("zz-new", "a claim of its own"));
    CheckpointException e =
        catchThrowableOfType(CheckpointException.class, () -> paper().checkpoint(file, 5).build().run(more));
    assertThat(e).hasMessageContaining("the checkpoint has 48 examples, this run 49").hasMessageContaining("'zz-new' is new");

    List<Example> changed = new ArrayList<>(WORLD.examples());
    Example first = changed.get(0);
    changed.set(0, new Example(first.id(), first.prompt() + " (edited)", first.group(), first.attributes()));
    e = catchThrowableOfType(CheckpointException.class, () -> paper().checkpoint(file, 5).build().run(changed));
    assertThat(e).hasMessageContaining("'" + first.id() + "' has another prompt").hasMessageNotContaining("examples, this run");
  }

  /** Answers as the planted world does: another class than its scorer. */
  private static final class OtherScorer implements LabelScorer {
    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      return WORLD.scorer().score(labels, requests);
    }
  }

  @Test
  void aCheckpointOfAnotherScorerClass_isRejectedNamingBothClasses_evenWhenItIsComplete() {
    Path file = dir.resolve("done.ckpt");
    paper().checkpoint(file, 5).build().run(WORLD.examples());
    assertThat(rejected(paper().scorer(new OtherScorer()), file))
        .hasMessageContaining(
            "the scorer is org.icm4j.testing.PlantedWorld$Scorer in the checkpoint,"
                + " org.icm4j.CheckpointIntegrityTest$OtherScorer in this run");
  }

  @Test
  void aBatchHooksScorerOfTheSameClass_stillResumes() {
    IcmResult expected = paper().batchHook((summary, soFar, current) -> WORLD.scorer()).build().run(WORLD.examples());
    Path file = cancelledInBatchOne(paper().batchHook((summary, soFar, current) -> WORLD.scorer()), 30);
    IcmResult resumed =
        paper().batchHook((summary, soFar, current) -> WORLD.scorer()).checkpoint(file, 5).build().run(WORLD.examples());
    assertSameSearch(expected, resumed);
  }

  @Test
  void aLambdaScorer_resumesInAnotherJvmToo_itsClassNameLosesThePerJvmSuffix() throws IOException {
    LabelScorer lambda = (labels, requests) -> WORLD.scorer().score(labels, requests);
    Path file = dir.resolve("lambda.ckpt");
    paper().scorer(lambda).checkpoint(file, 5).build().run(WORLD.examples());
    String header = lines(file).get(0);
    assertThat(lambda.getClass().getName()).contains("$$Lambda").isNotEqualTo("org.icm4j.CheckpointIntegrityTest$$Lambda");
    assertThat(record(header).get("configuration").get("scorer").asText()).isEqualTo("org.icm4j.CheckpointIntegrityTest$$Lambda");
  }

  // ---- files that are not this format

  @Test
  void aFormatTwoCheckpoint_isRejectedNamingItsFormat() throws IOException {
    Path file = dir.resolve("old.json");
    Files.writeString(file, "{\"format\":2,\"fingerprint\":\"298458f4\",\"finished\":[],\"currentBatch\":0,\"chains\":[]}");
    assertThat(rejected(paper(), file))
        .hasMessageContaining("has format 2, written by an earlier icm4j; this one reads format 4")
        .hasMessageContaining("delete the file");
  }

  @Test
  void aDamagedJsonFile_namesLineAndColumn_withoutJacksonsRedactedSource() throws IOException {
    Path file = dir.resolve("corrupt.json");
    Files.writeString(file, "{\"format\": 2,\n \"fingerprint\": ");
    assertThat(rejected(paper(), file))
        .hasMessageContaining("at line 2, column")
        .hasMessageContaining("Unexpected end-of-input")
        .hasMessageContaining("delete it to start afresh");
  }
}
