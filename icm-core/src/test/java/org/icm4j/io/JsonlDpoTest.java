package org.icm4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.Labeling;
import org.icm4j.reward.PreferencePair;
import org.icm4j.reward.PreferencePairs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DPO pairs (prompt, chosen response, rejected response), and no silent empty pair files. */
class JsonlDpoTest {
  private static final LabelSpace GRADES = LabelSpace.of("helpful", "unhelpful", "harmful");

  @TempDir Path dir;

  private static Example response(String id, String question, String response) {
    return new Example(
        id,
        "Question: " + question + "\nAnswer: " + response + "\nThis answer is",
        question,
        Map.of("question", question, "response", response));
  }

  private static final List<Example> EXAMPLES =
      List.of(
          response("a", "How do I boil an egg?", "Simmer it for 9 minutes."),
          response("b", "How do I boil an egg?", "Eggs are oval."),
          response("c", "How do I boil an egg?", "Microwave it in its shell."));

  private static final Labeling LABELS =
      Labeling.of(GRADES, Map.of("a", "helpful", "b", "unhelpful", "c", "harmful"));

  @Test
  void writeDpoPairs_writesThePromptAndTheResponsesAlone() throws IOException {
    List<PreferencePair> pairs =
        PreferencePairs.fromLabels(EXAMPLES, LABELS, List.of("helpful", "unhelpful", "harmful"), "ICM");
    Path p = dir.resolve("dpo.jsonl");
    Jsonl.writeDpoPairs(p, pairs, "question", "response");
    assertThat(Files.readAllLines(p))
        .containsExactly(
            "{\"prompt\":\"How do I boil an egg?\",\"chosen\":\"Simmer it for 9 minutes.\",\"rejected\":\"Eggs are oval.\"}",
            "{\"prompt\":\"How do I boil an egg?\",\"chosen\":\"Simmer it for 9 minutes.\",\"rejected\":\"Microwave it in its shell.\"}",
            "{\"prompt\":\"How do I boil an egg?\",\"chosen\":\"Eggs are oval.\",\"rejected\":\"Microwave it in its shell.\"}");
  }

  @Test
  void writeDpoPairs_refusesResponsesWithoutTheAttribute_orToOtherPrompts() {
    Example noResponse = new Example("d", "p", "How do I boil an egg?", Map.of("question", "How do I boil an egg?"));
    Path p = dir.resolve("dpo.jsonl");
    assertThatThrownBy(
            () -> Jsonl.writeDpoPairs(p, List.of(PreferencePair.of(EXAMPLES.get(0), noResponse, "x")), "question", "response"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("example 'd' has no attribute 'response' (the responseAttribute)");
    Example other = new Example("e", "p", "How do I boil an egg?", Map.of("question", "Why?", "response", "r"));
    assertThatThrownBy(
            () -> Jsonl.writeDpoPairs(p, List.of(PreferencePair.of(EXAMPLES.get(0), other, "x")), "question", "response"))
        .hasMessageContaining("the responses of pair How do I boil an egg?: a > e answer different prompts");
    assertThat(p).doesNotExist();
  }

  @Test
  void noPairs_isRefused_andTheOldFileIsKept() throws IOException {
    Path p = Files.writeString(dir.resolve("pairs.jsonl"), "old\n");
    // every response labelled harmful: no group has a better and a worse label
    Labeling allHarmful = Labeling.of(GRADES, Map.of("a", "harmful", "b", "harmful", "c", "harmful"));
    List<PreferencePair> none = PreferencePairs.fromLabels(EXAMPLES, allHarmful, "helpful", "ICM");
    assertThat(none).isEmpty();
    String expected =
        "no preference pairs to write to " + p + ": the list is empty (PreferencePairs makes a pair only in a"
            + " group with a response of a better label and one of a worse label; check the labels, the"
            + " preferred label or label order, and the groups); nothing was written";
    assertThatThrownBy(() -> Jsonl.writePreferencePairs(p, none))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(expected);
    assertThatThrownBy(() -> Jsonl.writeDpoPairs(p, none, "question", "response")).hasMessage(expected);
    assertThatThrownBy(
            () -> Jsonl.writePreferencePairs(
                p, EXAMPLES, Labeling.of(LabelSpace.binary(), Map.of()), "q", "l", "r", "True"))
        .hasMessage(
            "no preference pairs to write to " + p + ": none of the 3 examples is labelled (or among the"
                + " labelling's ids); nothing was written");
    assertThat(Files.readString(p)).isEqualTo("old\n");
  }
}
