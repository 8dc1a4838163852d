package org.icm4j.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.eval.GoldLabels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonlTest {

  private static final LabelSpace BINARY = LabelSpace.binary();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EXAMPLE_FORMAT =
      "each line must be a JSON object with id, prompt and optional group, attributes";

  @TempDir Path dir;

  private Path file(String name, String... lines) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, String.join("\n", lines) + "\n", UTF_8);
    return p;
  }

  private static List<String> listDir(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static List<JsonNode> readJsonLines(Path p) throws IOException {
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : Files.readAllLines(p, UTF_8)) {
      nodes.add(JSON.readTree(line));
    }
    return nodes;
  }

  private static JsonNode json(String text) throws IOException {
    return JSON.readTree(text);
  }

  private MalformedInputException readExamplesFailure(String... lines) throws IOException {
    Path p = file("examples.jsonl", lines);
    try {
      Jsonl.readExamples(p);
    } catch (MalformedInputException e) {
      return e;
    }
    throw new AssertionError("expected a MalformedInputException");
  }

  // ---------------------------------------------------------------- examples: reading and round trip

  @Test
  void writeExamples_thenReadExamples_roundTripsGroupsAndAttributes() {
    List<Example> examples =
        List.of(
            new Example(
                "q2",
                "Question: what is 6×7?\nClaim: \"42\"\nI think this claim is ",
                "math-1",
                Map.of("answer", "42", "source", "gsm8k")),
            new Example("q1", "Ünïcödé prompt ✓ with \t tab", "math-1", Map.of()),
            Example.of("solo", "alone in its group"),
            new Example("q3", "p", "q3", Map.of("empty", "")));
    Path p = dir.resolve("examples.jsonl");

    Jsonl.writeExamples(p, examples);

    assertThat(Jsonl.readExamples(p)).isEqualTo(examples);
  }

  @Test
  void writeExamples_writesOneObjectPerLineEndingInNewline() throws IOException {
    Path p = dir.resolve("examples.jsonl");
    Jsonl.writeExamples(
        p, List.of(new Example("a", "line1\nline2", "g", Map.of("k", "v")), Example.of("b", "x")));

    String text = Files.readString(p, UTF_8);

    assertThat(text).endsWith("\n").doesNotContain("\r");
    assertThat(text.split("\n", -1)).hasSize(3); // two lines and the empty tail after the last \n
    assertThat(readJsonLines(p))
        .containsExactly(
            json("{\"id\":\"a\",\"prompt\":\"line1\\nline2\",\"group\":\"g\",\"attributes\":{\"k\":\"v\"}}"),
            json("{\"id\":\"b\",\"prompt\":\"x\"}"));
  }

  @Test
  void writeExamples_rejectsDuplicateIds() {
    Path p = dir.resolve("examples.jsonl");

    assertThatThrownBy(
            () -> Jsonl.writeExamples(p, List.of(Example.of("a", "x"), Example.of("a", "y"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a' occurs more than once");
    assertThat(p).doesNotExist();
  }

  @Test
  void readExamples_defaultsGroupToIdAndAttributesToEmpty() throws IOException {
    Path p = file("examples.jsonl", "{\"id\":\"q1\",\"prompt\":\"p\"}");

    assertThat(Jsonl.readExamples(p)).containsExactly(new Example("q1", "p", "q1", Map.of()));
  }

  @Test
  void readExamples_treatsNullGroupAndAttributesAsAbsent() throws IOException {
    Path p =
        file(
            "examples.jsonl",
            "{\"id\":\"q1\",\"prompt\":\"p\",\"group\":null,\"attributes\":null}",
            "{\"id\":\"q2\",\"prompt\":\"p\",\"attributes\":{\"a\":null,\"b\":\"x\"}}");

    assertThat(Jsonl.readExamples(p))
        .containsExactly(
            new Example("q1", "p", "q1", Map.of()), new Example("q2", "p", "q2", Map.of("b", "x")));
  }

  @Test
  void readExamples_convertsNumberAndBooleanAttributesToTheirText() throws IOException {
    Path p =
        file(
            "examples.jsonl",
            "{\"id\":\"q1\",\"prompt\":\"p\",\"attributes\":"
                + "{\"int\":42,\"neg\":-7,\"dec\":2.50,\"big\":12345678901234567890,"
                + "\"yes\":true,\"no\":false}}");

    Example e = Jsonl.readExamples(p).get(0);

    assertThat(e.attributes())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "int", "42",
                "neg", "-7",
                "dec", "2.50",
                "big", "12345678901234567890",
                "yes", "true",
                "no", "false"));
  }

  @Test
  void readExamples_skipsBlankLinesButCountsThemInLineNumbers() throws IOException {
    Path p =
        file(
            "examples.jsonl",
            "",
            "{\"id\":\"a\",\"prompt\":\"p\"}",
            "   ",
            "\t",
            "{\"id\":\"b\"}");

    assertThatThrownBy(() -> Jsonl.readExamples(p))
        .isInstanceOfSatisfying(
            MalformedInputException.class, e -> assertThat(e.line()).isEqualTo(5))
        .hasMessageStartingWith(p + " line 5: missing field 'prompt'");
    Path ok = file("ok.jsonl", "", "{\"id\":\"a\",\"prompt\":\"p\"}", "  ", "");
    assertThat(Jsonl.readExamples(ok)).containsExactly(Example.of("a", "p"));
  }

  @Test
  void readExamples_acceptsCrLfLineEndsAndByteOrderMarkAndNoFinalNewline() throws IOException {
    Path p = dir.resolve("crlf.jsonl");
    Files.writeString(
        p, "\uFEFF{\"id\":\"a\",\"prompt\":\"p\"}\r\n{\"id\":\"b\",\"prompt\":\"q\"}", UTF_8);

    assertThat(Jsonl.readExamples(p)).containsExactly(Example.of("a", "p"), Example.of("b", "q"));
    assertThat(
            Jsonl.readExamples(
                new StringReader("\uFEFF{\"id\":\"a\",\"prompt\":\"p\"}\r\n\r\n"), "mem"))
        .containsExactly(Example.of("a", "p"));
  }

  @Test
  void readExamples_emptyFileGivesNoExamples() throws IOException {
    Path p = dir.resolve("empty.jsonl");
    Files.writeString(p, "");

    assertThat(Jsonl.readExamples(p)).isEmpty();
  }

  @Test
  void readExamples_fromReaderNamesTheSourceInErrors() {
    StringReader reader = new StringReader("{\"id\":\"a\",\"prompt\":\"p\"}\n{\"id\":\"a\"");

    assertThatThrownBy(() -> Jsonl.readExamples(reader, "upload.jsonl"))
        .isInstanceOfSatisfying(
            MalformedInputException.class,
            e -> {
              assertThat(e.source()).isEqualTo("upload.jsonl");
              assertThat(e.line()).isEqualTo(2);
            })
        .hasMessageStartingWith("upload.jsonl line 2: invalid JSON");
  }

  @Test
  void readExamples_missingFileThrowsUncheckedIoNamingThePath() {
    Path missing = dir.resolve("nope.jsonl");

    assertThatThrownBy(() -> Jsonl.readExamples(missing))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("could not read " + missing);
  }

  // ---------------------------------------------------------------- examples: errors

  @Test
  void readExamples_rejectsMissingPromptWithLineNumberAndFormat() throws IOException {
    MalformedInputException e =
        readExamplesFailure("{\"id\":\"q1\",\"prompt\":\"p\"}", "{\"id\":\"q2\"}");

    assertThat(e.line()).isEqualTo(2);
    assertThat(e.exampleId()).isEqualTo("q2");
    assertThat(e)
        .hasMessage(
            dir.resolve("examples.jsonl")
                + " line 2: missing field 'prompt' of example 'q2' — "
                + EXAMPLE_FORMAT);
  }

  @Test
  void readExamples_rejectsMissingId() throws IOException {
    MalformedInputException e = readExamplesFailure("{\"prompt\":\"p\"}");

    assertThat(e.line()).isEqualTo(1);
    assertThat(e).hasMessageContaining("line 1: missing field 'id' — " + EXAMPLE_FORMAT);
  }

  @Test
  void readExamples_rejectsNonStringIdQuotingTheValue() throws IOException {
    MalformedInputException e = readExamplesFailure("{\"id\":17,\"prompt\":\"p\"}");

    assertThat(e).hasMessageContaining("line 1: field 'id' must be a string, but was a number 17");
  }

  @Test
  void readExamples_rejectsBlankId() throws IOException {
    MalformedInputException e = readExamplesFailure("{\"id\":\"  \",\"prompt\":\"p\"}");

    assertThat(e).hasMessageContaining("line 1: field 'id' must not be blank, but was '  '");
  }

  @Test
  void readExamples_rejectsNonStringPrompt() throws IOException {
    MalformedInputException e = readExamplesFailure("{\"id\":\"q1\",\"prompt\":[\"a\",\"b\"]}");

    assertThat(e)
        .hasMessageContaining(
            "line 1: field 'prompt' of example 'q1' must be a string, but was an array [\"a\",\"b\"]");
  }

  @Test
  void readExamples_rejectsEmptyPrompt() throws IOException {
    MalformedInputException e =
        readExamplesFailure("{\"id\":\"q1\",\"prompt\":\"ok\"}", "", "{\"id\":\"q9\",\"prompt\":\"\"}");

    assertThat(e.line()).isEqualTo(3);
    assertThat(e).hasMessageContaining("line 3: field 'prompt' of example 'q9' must not be empty");
  }

  @Test
  void readExamples_rejectsInvalidJsonWithLineAndColumn() throws IOException {
    MalformedInputException e =
        readExamplesFailure("{\"id\":\"q1\",\"prompt\":\"p\"}", "{\"id\":\"q2\",\"prompt\":'p'}");

    assertThat(e.line()).isEqualTo(2);
    assertThat(e)
        .hasMessageContaining("line 2: invalid JSON at column 21")
        .hasMessageContaining("{\"id\":\"q2\",\"prompt\":'p'}")
        .hasMessageEndingWith(EXAMPLE_FORMAT)
        .hasCauseInstanceOf(com.fasterxml.jackson.core.JsonProcessingException.class);
  }

  @Test
  void readExamples_rejectsTwoObjectsOnOneLine() throws IOException {
    MalformedInputException e =
        readExamplesFailure("{\"id\":\"a\",\"prompt\":\"p\"} {\"id\":\"b\",\"prompt\":\"q\"}");

    assertThat(e)
        .hasMessageContaining("line 1: more than one JSON value on the line")
        .hasMessageContaining("one object per line");
  }

  @Test
  void readExamples_rejectsDuplicateKeyInOneObject() throws IOException {
    MalformedInputException e = readExamplesFailure("{\"id\":\"a\",\"prompt\":\"p\",\"id\":\"b\"}");

    assertThat(e).hasMessageContaining("line 1: invalid JSON").hasMessageContaining("'id'");
  }

  @Test
  void readExamples_rejectsLineThatIsNotAnObject() throws IOException {
    MalformedInputException e = readExamplesFailure("[\"q1\", \"prompt\"]");

    assertThat(e)
        .hasMessageContaining(
            "line 1: expected a JSON object, but found an array [\"q1\",\"prompt\"] — "
                + EXAMPLE_FORMAT);
  }

  @Test
  void readExamples_rejectsAttributesThatAreNotAnObject() throws IOException {
    MalformedInputException e =
        readExamplesFailure("{\"id\":\"q1\",\"prompt\":\"p\",\"attributes\":\"answer=4\"}");

    assertThat(e)
        .hasMessageContaining(
            "field 'attributes' of example 'q1' must be a JSON object of strings, but was a string"
                + " \"answer=4\"");
  }

  @Test
  void readExamples_rejectsNestedAttributeValues() throws IOException {
    MalformedInputException nestedObject =
        readExamplesFailure(
            "{\"id\":\"q1\",\"prompt\":\"p\",\"attributes\":{\"meta\":{\"x\":1}}}");
    MalformedInputException nestedArray =
        readExamplesFailure("{\"id\":\"q1\",\"prompt\":\"p\",\"attributes\":{\"tags\":[1,2]}}");

    assertThat(nestedObject)
        .hasMessageContaining(
            "attribute 'meta' of example 'q1' must be a string, number or boolean, but was an"
                + " object {\"x\":1}")
        .hasMessageContaining("flatten");
    assertThat(nestedArray)
        .hasMessageContaining("attribute 'tags' of example 'q1'")
        .hasMessageContaining("an array [1,2]");
  }

  @Test
  void readExamples_rejectsNonStringOrBlankGroup() throws IOException {
    MalformedInputException number =
        readExamplesFailure("{\"id\":\"q1\",\"prompt\":\"p\",\"group\":3}");
    MalformedInputException blank =
        readExamplesFailure("{\"id\":\"q1\",\"prompt\":\"p\",\"group\":\" \"}");

    assertThat(number)
        .hasMessageContaining("field 'group' of example 'q1' must be a string, but was a number 3");
    assertThat(blank)
        .hasMessageContaining("field 'group' of example 'q1' must not be blank")
        .hasMessageContaining("omit it");
  }

  @Test
  void readExamples_rejectsDuplicateIdWithBothLineNumbers() throws IOException {
    MalformedInputException e =
        readExamplesFailure(
            "{\"id\":\"q1\",\"prompt\":\"p\"}",
            "{\"id\":\"q2\",\"prompt\":\"p\"}",
            "",
            "{\"id\":\"q1\",\"prompt\":\"other\"}");

    assertThat(e.line()).isEqualTo(4);
    assertThat(e.exampleId()).isEqualTo("q1");
    assertThat(e)
        .hasMessageContaining("line 4: duplicate id 'q1': first on line 1, again on line 4")
        .hasMessageContaining("own id");
  }

  @Test
  void readExamples_rejectsUnknownFieldsListingTheAllowedOnes() throws IOException {
    MalformedInputException e =
        readExamplesFailure("{\"id\":\"q1\",\"text\":\"p\",\"meta\":1}");

    assertThat(e)
        .hasMessageContaining(
            "line 1: unknown fields 'text', 'meta': the allowed fields are id, prompt, group,"
                + " attributes");
  }

  @ParameterizedTest
  @ValueSource(strings = {"label", "gold"})
  void readExamples_rejectsGoldLabelFieldPointingToReadGoldLabels(String field) throws IOException {
    MalformedInputException e =
        readExamplesFailure(
            "{\"id\":\"q1\",\"prompt\":\"p\"}",
            "{\"id\":\"q2\",\"prompt\":\"p\",\"" + field + "\":\"True\"}");

    assertThat(e.line()).isEqualTo(2);
    assertThat(e.exampleId()).isEqualTo("q2");
    assertThat(e)
        .hasMessageContaining("line 2: field '" + field + "' is not allowed")
        .hasMessageContaining("gold labels do not belong in examples")
        .hasMessageContaining("Jsonl.readGoldLabels")
        .hasMessageContaining("evaluation");
  }

  @Test
  void readExamples_rejectsInvalidUtf8NamingTheLine() throws IOException {
    Path p = dir.resolve("latin1.jsonl");
    byte[] good =
        "{\"id\":\"a\",\"prompt\":\"caf\u00e9\"}\n{\"id\":\"b\",\"prompt\":\"p\"}\n".getBytes(UTF_8);
    byte[] bad =
        "{\"id\":\"c\",\"prompt\":\"caf\u00e9\"}\n"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    byte[] all = new byte[good.length + bad.length];
    System.arraycopy(good, 0, all, 0, good.length);
    System.arraycopy(bad, 0, all, good.length, bad.length);
    Files.write(p, all);

    assertThatThrownBy(() -> Jsonl.readExamples(p))
        .isInstanceOfSatisfying(
            MalformedInputException.class, e -> assertThat(e.line()).isEqualTo(3))
        .hasMessageContaining("line 3: not valid UTF-8 at byte 24")
        .hasMessageContaining("save the file as UTF-8");
  }

  // ---------------------------------------------------------------- labels

  private static List<Example> abcd() {
    return List.of(
        Example.of("d", "pd"), Example.of("b", "pb"), Example.of("a", "pa"), Example.of("c", "pc"));
  }

  @Test
  void writeLabels_thenReadLabels_roundTripsIncludingUnlabelled() {
    Labeling labels = new Labeling(BINARY, Map.of("d", "True", "a", "False"), Set.of("b", "c"));
    Path p = dir.resolve("labels.jsonl");

    Jsonl.writeLabels(p, labels);

    assertThat(Jsonl.readLabels(p, BINARY, abcd())).isEqualTo(labels);
  }

  @Test
  void writeLabels_writesLabelledExamplesInIdOrderOnly() throws IOException {
    Labeling labels =
        new Labeling(BINARY, Map.of("d", "True", "a", "False", "c", "True"), Set.of("b"));
    Path p = dir.resolve("labels.jsonl");

    Jsonl.writeLabels(p, labels);

    assertThat(Files.readString(p, UTF_8))
        .isEqualTo(
            "{\"id\":\"a\",\"label\":\"False\"}\n"
                + "{\"id\":\"c\",\"label\":\"True\"}\n"
                + "{\"id\":\"d\",\"label\":\"True\"}\n");
  }

  @Test
  void readLabels_leavesExamplesWithoutALineUnlabelled() throws IOException {
    Path p = file("labels.jsonl", "{\"id\":\"c\",\"label\":\"True\"}");

    Labeling labels = Jsonl.readLabels(p, BINARY, abcd());

    assertThat(labels.asMap()).containsExactly(Map.entry("c", "True"));
    assertThat(labels.unlabelledIds()).containsExactly("a", "b", "d");
  }

  @Test
  void readLabels_rejectsUnknownLabelNamingLineLabelAndSpace() throws IOException {
    Path p =
        file("labels.jsonl", "{\"id\":\"a\",\"label\":\"True\"}", "{\"id\":\"b\",\"label\":\"true\"}");

    assertThatThrownBy(() -> Jsonl.readLabels(p, BINARY, abcd()))
        .isInstanceOfSatisfying(
            MalformedInputException.class,
            e -> {
              assertThat(e.line()).isEqualTo(2);
              assertThat(e.exampleId()).isEqualTo("b");
            })
        .hasMessageContaining(
            "line 2: unknown label 'true' for id 'b': the label space is [True, False]");
  }

  @Test
  void readLabels_rejectsIdNotAmongTheExamples() throws IOException {
    Path p = file("labels.jsonl", "{\"id\":\"zz\",\"label\":\"True\"}");

    assertThatThrownBy(() -> Jsonl.readLabels(p, BINARY, abcd()))
        .isInstanceOf(MalformedInputException.class)
        .hasMessageContaining("line 1: id 'zz' is not among the 4 examples given")
        .hasMessageContaining("same examples");
  }

  @Test
  void readLabels_rejectsDuplicateIdWithBothLineNumbers() throws IOException {
    Path p =
        file(
            "labels.jsonl",
            "{\"id\":\"a\",\"label\":\"True\"}",
            "{\"id\":\"b\",\"label\":\"True\"}",
            "{\"id\":\"a\",\"label\":\"True\"}");

    assertThatThrownBy(() -> Jsonl.readLabels(p, BINARY, abcd()))
        .isInstanceOf(MalformedInputException.class)
        .hasMessageContaining("line 3: duplicate id 'a': first on line 1, again on line 3");
  }

  @Test
  void readLabels_rejectsMissingOrNonStringLabelAndExtraFields() throws IOException {
    Path missing = file("l1.jsonl", "{\"id\":\"a\"}");
    Path number = file("l2.jsonl", "{\"id\":\"a\",\"label\":1}");
    Path extra = file("l3.jsonl", "{\"id\":\"a\",\"label\":\"True\",\"score\":0.9}");

    assertThatThrownBy(() -> Jsonl.readLabels(missing, BINARY, abcd()))
        .hasMessageContaining("line 1: missing field 'label' of example 'a'")
        .hasMessageContaining("{\"id\": \"...\", \"label\": \"...\"}");
    assertThatThrownBy(() -> Jsonl.readLabels(number, BINARY, abcd()))
        .hasMessageContaining("field 'label' of example 'a' must be a string, but was a number 1");
    assertThatThrownBy(() -> Jsonl.readLabels(extra, BINARY, abcd()))
        .hasMessageContaining("unknown field 'score': the allowed fields are id, label");
  }

  // ---------------------------------------------------------------- gold labels

  @Test
  void writeGoldLabels_thenReadGoldLabels_roundTrips() {
    GoldLabels gold = GoldLabels.of(BINARY, Map.of("q2", "False", "q1", "True", "q3", "True"));
    Path p = dir.resolve("gold.jsonl");

    Jsonl.writeGoldLabels(p, gold);

    assertThat(Jsonl.readGoldLabels(p, BINARY)).isEqualTo(gold);
  }

  @Test
  void readGoldLabels_readsIdLabelLines() throws IOException {
    Path p =
        file(
            "gold.jsonl",
            "{\"id\":\"q1\",\"label\":\"True\"}",
            "",
            "{\"label\":\"False\",\"id\":\"q2\"}");

    GoldLabels gold = Jsonl.readGoldLabels(p, BINARY);

    assertThat(gold.asMap()).containsExactly(Map.entry("q1", "True"), Map.entry("q2", "False"));
  }

  @Test
  void readGoldLabels_rejectsUnknownLabelAndDuplicateId() throws IOException {
    Path unknown = file("g1.jsonl", "{\"id\":\"q1\",\"label\":\"Maybe\"}");
    Path duplicate =
        file("g2.jsonl", "{\"id\":\"q1\",\"label\":\"True\"}", "{\"id\":\"q1\",\"label\":\"False\"}");

    assertThatThrownBy(() -> Jsonl.readGoldLabels(unknown, BINARY))
        .isInstanceOf(MalformedInputException.class)
        .hasMessageContaining("line 1: unknown label 'Maybe' for id 'q1': the label space is [True, False]");
    assertThatThrownBy(() -> Jsonl.readGoldLabels(duplicate, BINARY))
        .isInstanceOf(MalformedInputException.class)
        .hasMessageContaining("line 2: duplicate id 'q1': first on line 1, again on line 2");
  }

  // ---------------------------------------------------------------- SFT

  @Test
  void writeSft_writesOneRecordPerLabelledExampleInIdOrder() throws IOException {
    List<Example> examples =
        List.of(
            Example.of("q2", "Claim B\nI think this claim is "),
            Example.of("q1", "Claim A\nI think this claim is "),
            Example.of("q3", "Claim C\nI think this claim is "));
    Labeling labels = new Labeling(BINARY, Map.of("q1", "True", "q2", "False"), Set.of("q3"));
    Path p = dir.resolve("sft.jsonl");

    Jsonl.writeSft(p, examples, labels);

    assertThat(readJsonLines(p))
        .containsExactly(
            json(
                "{\"id\":\"q1\",\"prompt\":\"Claim A\\nI think this claim is \","
                    + "\"completion\":\"True\"}"),
            json(
                "{\"id\":\"q2\",\"prompt\":\"Claim B\\nI think this claim is \","
                    + "\"completion\":\"False\"}"));
  }

  @Test
  void writeSft_skipsLabelsOfIdsNotAmongTheExamples() throws IOException {
    Labeling labels = new Labeling(BINARY, Map.of("q1", "True", "q2", "False"), Set.of());
    Path p = dir.resolve("sft.jsonl");

    Jsonl.writeSft(p, List.of(Example.of("q2", "only this")), labels);

    assertThat(readJsonLines(p))
        .containsExactly(json("{\"id\":\"q2\",\"prompt\":\"only this\",\"completion\":\"False\"}"));
  }

  // ---------------------------------------------------------------- preference pairs

  private static Example comparison(String id, String query, String left, String right) {
    return new Example(
        id, "Is " + left + " better than " + right + "?", "g-" + query,
        Map.of("query", query, "left", left, "right", right));
  }

  @Test
  void writePreferencePairs_keepsOrderForTrueAndSwapsForOtherLabels() throws IOException {
    List<Example> examples =
        List.of(
            comparison("c2", "q-b", "B1", "B2"),
            comparison("c1", "q-a", "A1", "A2"),
            comparison("c3", "q-c", "C1", "C2"));
    Labeling labels = new Labeling(BINARY, Map.of("c1", "True", "c2", "False"), Set.of("c3"));
    Path p = dir.resolve("pairs.jsonl");

    Jsonl.writePreferencePairs(p, examples, labels, "query", "left", "right", "True");

    assertThat(readJsonLines(p))
        .containsExactly(
            json("{\"prompt\":\"q-a\",\"chosen\":\"A1\",\"rejected\":\"A2\",\"source_id\":\"c1\"}"),
            json("{\"prompt\":\"q-b\",\"chosen\":\"B2\",\"rejected\":\"B1\",\"source_id\":\"c2\"}"));
  }

  @Test
  void writePreferencePairs_deduplicatesBothOrdersOfOneComparisonKeepingFirstById()
      throws IOException {
    // c9 says "X better than Y" (True); c5 says "Y better than X" (False): both give X > Y.
    List<Example> examples =
        List.of(comparison("c9", "q", "X", "Y"), comparison("c5", "q", "Y", "X"));
    Labeling labels = new Labeling(BINARY, Map.of("c9", "True", "c5", "False"), Set.of());
    Path p = dir.resolve("pairs.jsonl");

    Jsonl.writePreferencePairs(p, examples, labels, "query", "left", "right", "True");

    assertThat(readJsonLines(p))
        .containsExactly(
            json("{\"prompt\":\"q\",\"chosen\":\"X\",\"rejected\":\"Y\",\"source_id\":\"c5\"}"));
  }

  @Test
  void writePreferencePairs_keepsSamePairsOfDifferentQueries() throws IOException {
    List<Example> examples =
        List.of(comparison("c1", "q1", "X", "Y"), comparison("c2", "q2", "X", "Y"));
    Labeling labels = new Labeling(BINARY, Map.of("c1", "True", "c2", "True"), Set.of());
    Path p = dir.resolve("pairs.jsonl");

    Jsonl.writePreferencePairs(p, examples, labels, "query", "left", "right", "True");

    assertThat(readJsonLines(p)).hasSize(2);
  }

  @Test
  void writePreferencePairs_rejectsMissingAttributeNamingExampleAndAttributeAndWritesNothing()
      throws IOException {
    Example noRight = new Example("c2", "p", "c2", Map.of("query", "q", "left", "L"));
    List<Example> examples = List.of(comparison("c1", "q", "A", "B"), noRight);
    Labeling labels = new Labeling(BINARY, Map.of("c1", "True", "c2", "True"), Set.of());
    Path p = file("pairs.jsonl", "previous content");

    assertThatThrownBy(
            () -> Jsonl.writePreferencePairs(p, examples, labels, "query", "left", "right", "True"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("example 'c2' has no attribute 'right'")
        .hasMessageContaining("[left, query]");
    assertThat(Files.readString(p, UTF_8)).isEqualTo("previous content\n");
    assertThat(listDir(dir)).containsExactly("pairs.jsonl");
  }

  @Test
  void writePreferencePairs_ignoresMissingAttributesOfUnlabelledExamples() throws IOException {
    Example bare = Example.of("c2", "p");
    List<Example> examples = List.of(comparison("c1", "q", "A", "B"), bare);
    Labeling labels = new Labeling(BINARY, Map.of("c1", "False"), Set.of("c2"));
    Path p = dir.resolve("pairs.jsonl");

    Jsonl.writePreferencePairs(p, examples, labels, "query", "left", "right", "True");

    assertThat(readJsonLines(p))
        .containsExactly(
            json("{\"prompt\":\"q\",\"chosen\":\"B\",\"rejected\":\"A\",\"source_id\":\"c1\"}"));
  }

  @Test
  void writePreferencePairs_rejectsTrueLabelOutsideTheLabelSpace() {
    Labeling labels = new Labeling(BINARY, Map.of(), Set.of());

    assertThatThrownBy(
            () ->
                Jsonl.writePreferencePairs(
                    dir.resolve("pairs.jsonl"), List.of(), labels, "q", "l", "r", "Yes"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trueLabel 'Yes' is not in the label space [True, False]");
  }

  // ---------------------------------------------------------------- atomic writes

  @Test
  void write_leavesNoTemporaryFiles() throws IOException {
    Jsonl.writeExamples(dir.resolve("examples.jsonl"), List.of(Example.of("a", "p")));
    Jsonl.writeLabels(dir.resolve("labels.jsonl"), new Labeling(BINARY, Map.of("a", "True"), Set.of()));
    Jsonl.writeLabels(dir.resolve("labels.jsonl"), new Labeling(BINARY, Map.of("a", "False"), Set.of()));

    assertThat(listDir(dir)).containsExactly("examples.jsonl", "labels.jsonl");
  }

  @Test
  void write_replacesAnExistingFile() throws IOException {
    Path p = file("labels.jsonl", "old line 1", "old line 2", "old line 3");

    Jsonl.writeLabels(p, new Labeling(BINARY, Map.of("a", "True"), Set.of()));

    assertThat(Files.readString(p, UTF_8)).isEqualTo("{\"id\":\"a\",\"label\":\"True\"}\n");
  }

  @Test
  void write_failingMoveDeletesTheTemporaryFileAndNamesThePath() throws IOException {
    Path target = dir.resolve("taken");
    Files.createDirectory(target);
    Files.writeString(target.resolve("inside.txt"), "keep");

    assertThatThrownBy(() -> Jsonl.writeExamples(target, List.of(Example.of("a", "p"))))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("could not write " + target);
    assertThat(listDir(dir)).containsExactly("taken");
    assertThat(listDir(target)).containsExactly("inside.txt");
  }

  @Test
  void write_intoMissingDirectoryThrowsUncheckedIoNamingThePath() {
    Path p = dir.resolve("no-such-dir").resolve("labels.jsonl");

    assertThatThrownBy(() -> Jsonl.writeLabels(p, new Labeling(BINARY, Map.of(), Set.of("a"))))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("could not write " + p);
    assertThat(dir.resolve("no-such-dir")).doesNotExist();
  }

  @Test
  void malformedInputException_rejectsLineBelowOne() {
    assertThatThrownBy(() -> new MalformedInputException("f", 0, "x", null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1-based");
  }
}
