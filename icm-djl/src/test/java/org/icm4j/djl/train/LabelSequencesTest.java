package org.icm4j.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.text.PromptLayout;
import org.icm4j.text.PromptTokens;
import org.junit.jupiter.api.Test;

/** LabelSequences takes its token ids from the text layer, the scorers' own. */
class LabelSequencesTest {

  private static final LabelledExample A0 = new LabelledExample(TinyWorld.claim(0), "True");
  private static final LabelledExample A1 = new LabelledExample(TinyWorld.claim(1), "False");

  @Test
  void sequence_isTheTextLayersDemonstrationsThenPromptThenLabel() {
    LabelSequences sequences =
        new LabelSequences(TinyWorld.tokenizer(), TinyWorld.TEMPLATE, LabelSpace.binary(), TinyWorld.SHAPE.vocabularySize(), 96);
    PromptTokens text = PromptTokens.of(TinyWorld.TEMPLATE, TinyWorld.tokenizer(), TinyWorld.SHAPE.vocabularySize());

    LabelSequences.Sequence s = sequences.of(List.of(A0, A1));

    long[] expected =
        PromptTokens.concat(
            PromptTokens.concat(text.demo(A0, LabelSpace.binary()), text.prompt(A1.example(), LabelSpace.binary())),
            text.label("False"));
    assertThat(s.tokens()).containsExactly(expected);
    // "a0", "True", "\n", "a1", "False": the label tokens are at 1 and 4
    assertThat(s.labelPositions()).containsExactly(1, 4);
  }

  @Test
  void promptEndingInWhitespace_isRejectedAsTheScorerRejectsIt() {
    LabelSequences sequences =
        new LabelSequences(TinyWorld.tokenizer(), TinyWorld.TEMPLATE, LabelSpace.binary(), TinyWorld.SHAPE.vocabularySize(), 96);
    LabelledExample trailing = new LabelledExample(new Example("t1", "a3 ", "g", Map.of()), "True");

    assertThatThrownBy(() -> sequences.of(List.of(trailing)))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("the prompt of example 't1' ends with whitespace");
  }

  @Test
  void freeText_acceptsAPromptEndingInALineBreakAndChecksTheVocabulary() {
    LabelSequences sequences =
        LabelSequences.freeText(TinyWorld.tokenizer(), new PromptLayout(Map.of(), "\n"), TinyWorld.SHAPE.vocabularySize(), 96);

    LabelSequences.Sequence s =
        sequences.of(List.of(new LabelledExample(new Example("q", "a3 \n", "g", Map.of()), "a4")));

    assertThat(s.tokens()).containsExactly(TinyWorld.WORDS.indexOf("a3"), 1, TinyWorld.WORDS.indexOf("a4"));
    LabelSequences small = LabelSequences.freeText(TinyWorld.tokenizer(), new PromptLayout(Map.of(), "\n"), 3, 96);
    assertThatThrownBy(() -> small.of(List.of(new LabelledExample(new Example("q", "a3", "g", Map.of()), "\n"))))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("the prompt of example 'q' has token id " + TinyWorld.WORDS.indexOf("a3"));
  }
}
