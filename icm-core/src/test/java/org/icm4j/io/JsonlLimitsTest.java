package org.icm4j.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.eval.GoldLabels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection on Jsonl's limits: strings over the JSON reader's length limit and lone UTF-16
 * surrogates, in both directions (read: the file, line and field are named; write: the example and
 * field are named and nothing is written).
 */
class JsonlLimitsTest {
  private static final int LIMIT = 20_000_000;

  @TempDir Path dir;

  private Path file(String name, String... lines) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, String.join("\n", lines) + "\n", UTF_8);
    return p;
  }

  @Test
  void readExamples_stringOverTheReadersLimit_namesFileLineFieldAndLimit() throws IOException {
    String huge = "x".repeat(LIMIT + 1);
    Path p =
        file(
            "big.jsonl",
            "{\"id\": \"q1\", \"prompt\": \"short\"}",
            "{\"id\": \"q2\", \"prompt\": \"" + huge + "\"}");

    assertThatThrownBy(() -> Jsonl.readExamples(p))
        .isInstanceOf(MalformedInputException.class)
        .hasMessageStartingWith(p + " line 2: ")
        .hasMessageContaining("field 'prompt'")
        .hasMessageContaining("20,000,000 characters")
        .satisfies(e -> assertThat(((MalformedInputException) e).line()).isEqualTo(2));
  }

  @Test
  void readExamples_attributeOverTheLimit_namesTheAttribute() {
    String line =
        "{\"id\": \"q1\", \"prompt\": \"p\", \"attributes\": {\"answer\": \""
            + "7".repeat(LIMIT + 1)
            + "\"}}";

    assertThatThrownBy(() -> Jsonl.readExamples(new StringReader(line), "in.jsonl"))
        .isInstanceOf(MalformedInputException.class)
        .hasMessageStartingWith("in.jsonl line 1: ")
        .hasMessageContaining("field 'attributes.answer'");
  }

  @Test
  void readExamples_loneSurrogateEscape_isRejectedNamingFileLineFieldAndExample() throws IOException {
    Path p =
        file(
            "s.jsonl",
            "{\"id\": \"q1\", \"prompt\": \"fine \\ud83d\\ude00\"}",
            "{\"id\": \"q2\", \"prompt\": \"broken \\ud800 here\"}");

    assertThatThrownBy(() -> Jsonl.readExamples(p))
        .isInstanceOf(MalformedInputException.class)
        .hasMessageStartingWith(p + " line 2: ")
        .hasMessageContaining("field 'prompt' of example 'q2'")
        .hasMessageContaining("lone surrogate \\ud800")
        .hasMessageContaining("character 8");
  }

  @Test
  void readExamples_aPairedSurrogateRoundTrips() throws IOException {
    Path p = file("ok.jsonl", "{\"id\": \"q1\", \"prompt\": \"smile \\ud83d\\ude00\"}");

    List<Example> read = Jsonl.readExamples(p);
    Path out = dir.resolve("out.jsonl");
    Jsonl.writeExamples(out, read);

    assertThat(read.get(0).prompt()).isEqualTo("smile \uD83D\uDE00");
    assertThat(Jsonl.readExamples(out)).isEqualTo(read);
  }

  @Test
  void readExamples_loneSurrogatesInIdGroupAndAttributes_areRejected() {
    for (String[] c :
        new String[][] {
          {"{\"id\": \"q\\udc00\", \"prompt\": \"p\"}", "field 'id'"},
          {"{\"id\": \"q1\", \"prompt\": \"p\", \"group\": \"g\\ud800\"}", "field 'group' of example 'q1'"},
          {"{\"id\": \"q1\", \"prompt\": \"p\", \"attributes\": {\"a\": \"\\udfff\"}}",
            "field 'attributes.a' of example 'q1'"},
          {"{\"id\": \"q1\", \"prompt\": \"p\", \"attributes\": {\"k\\ud800\": \"v\"}}",
            "an attribute name of example 'q1'"},
        }) {
      assertThatThrownBy(() -> Jsonl.readExamples(new StringReader(c[0]), "in.jsonl"))
          .as(c[0])
          .isInstanceOf(MalformedInputException.class)
          .hasMessageContaining(c[1])
          .hasMessageContaining("lone surrogate");
    }
  }

  @Test
  void readLabelsAndGoldLabels_rejectALoneSurrogateInTheirId() {
    String line = "{\"id\": \"q\\ud800\", \"label\": \"True\"}";

    assertThatThrownBy(
            () -> Jsonl.readGoldLabels(new StringReader(line), "gold.jsonl", LabelSpace.binary()))
        .isInstanceOf(MalformedInputException.class)
        .hasMessageStartingWith("gold.jsonl line 1: ")
        .hasMessageContaining("field 'id'")
        .hasMessageContaining("lone surrogate");
  }

  @Test
  void readExamples_aLoneSurrogateFromAReader_isRejectedToo() {
    String line = "{\"id\": \"q1\", \"prompt\": \"raw \uD800 char\"}";

    assertThatThrownBy(() -> Jsonl.readExamples(new StringReader(line), "in.jsonl"))
        .isInstanceOf(MalformedInputException.class)
        .hasMessageContaining("field 'prompt' of example 'q1'")
        .hasMessageContaining("lone surrogate \\ud800");
  }

  @Test
  void writeExamples_loneSurrogate_isRejectedNamingExampleAndField_andWritesNothing()
      throws IOException {
    Path out = dir.resolve("out.jsonl");
    Files.writeString(out, "old\n", UTF_8);
    List<Example> examples =
        List.of(Example.of("q1", "fine"), Example.of("q2", "broken \uD800 here"));

    assertThatThrownBy(() -> Jsonl.writeExamples(out, examples))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("example 'q2'")
        .hasMessageContaining("field 'prompt'")
        .hasMessageContaining("lone surrogate \\ud800")
        .hasMessageContaining("character 8");
    assertThat(Files.readString(out, UTF_8)).isEqualTo("old\n");
    try (var s = Files.list(dir)) {
      assertThat(s.map(f -> f.getFileName().toString()).toList()).containsExactly("out.jsonl");
    }
  }

  @Test
  void writeExamples_attributeWithALoneSurrogate_namesTheAttribute() {
    Example e = new Example("q1", "p", "g", Map.of("answer", "4\uDC002"));

    assertThatThrownBy(() -> Jsonl.writeExamples(dir.resolve("o.jsonl"), List.of(e)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("example 'q1'")
        .hasMessageContaining("field 'attributes.answer'");
  }

  @Test
  void writeLabelsGoldAndSft_loneSurrogateInAnId_isRejectedNamingIt() {
    LabelSpace binary = LabelSpace.binary();
    String id = "q\uD800";
    Labeling labels = new Labeling(binary, Map.of(id, "True"), Set.of());

    assertThatThrownBy(() -> Jsonl.writeLabels(dir.resolve("l.jsonl"), labels))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("field 'id'")
        .hasMessageContaining("lone surrogate");
    assertThatThrownBy(
            () -> Jsonl.writeGoldLabels(dir.resolve("g.jsonl"), GoldLabels.of(binary, Map.of(id, "False"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lone surrogate");
    assertThatThrownBy(
            () -> Jsonl.writeSft(dir.resolve("s.jsonl"), List.of(Example.of(id, "p")), labels))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lone surrogate");
  }

  @Test
  void writeExamples_stringOverTheReadersLimit_isRejectedSoThatWhatIsWrittenCanBeRead() {
    Example e = Example.of("q1", "x".repeat(LIMIT + 1));

    assertThatThrownBy(() -> Jsonl.writeExamples(dir.resolve("o.jsonl"), List.of(e)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("example 'q1'")
        .hasMessageContaining("field 'prompt'")
        .hasMessageContaining("20,000,001 characters")
        .hasMessageContaining("20,000,000");
  }
}
