package org.icm4j.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.icm4j.Example;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.junit.jupiter.api.Test;

class PromptTokensTest {

  private static final GreedyTokenizer TOK =
      new GreedyTokenizer("a", "b", "c", " ", "\n", "True", " True", " False", "bT", "rue", "x");
  private static final LabelSpace BINARY = LabelSpace.binary();

  private static Example ex(String id, String prompt) {
    return Example.of(id, prompt);
  }

  @Test
  public void demo_isPromptThenLabelThenSeparator() {
    PromptTokens tokens = PromptTokens.of(PromptLayout.official(), TOK, TOK.size());

    long[] demo = tokens.demo(new LabelledExample(ex("e1", "ab"), "False"), BINARY);

    assertThat(demo)
        .containsExactly(TOK.id("a"), TOK.id("b"), TOK.id(" False"), TOK.id("\n"), TOK.id("\n"));
    assertThat(tokens.prompt(ex("e1", "ab"), BINARY)).containsExactly(TOK.id("a"), TOK.id("b"));
    assertThat(tokens.label("True")).containsExactly(TOK.id(" True"));
    assertThat(tokens.separator()).containsExactly(TOK.id("\n"), TOK.id("\n"));
  }

  @Test
  public void demos_concatenatesInTheGivenOrder() {
    PromptTokens tokens = PromptTokens.of(new PromptLayout(Map.of(), "x"), TOK, TOK.size());

    long[] two =
        tokens.demos(
            List.of(new LabelledExample(ex("1", "a"), "True"), new LabelledExample(ex("2", "c"), "True")),
            LabelSpace.of("True", "c"));

    assertThat(two).containsExactly(TOK.id("a"), TOK.id("True"), TOK.id("x"), TOK.id("c"), TOK.id("True"), TOK.id("x"));
  }

  @Test
  public void prompt_rejectsATrailingSpaceNamingTheExample() {
    PromptTokens tokens = PromptTokens.of(PromptLayout.official(), TOK, TOK.size());

    assertThatThrownBy(() -> tokens.prompt(ex("q7", "ab "), BINARY))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("'q7'")
        .hasMessageContaining("ends with whitespace");
  }

  @Test
  public void prompt_rejectsATrailingLineBreakShowingItEscaped() {
    PromptTokens tokens = PromptTokens.of(PromptLayout.official(), TOK, TOK.size());

    assertThatThrownBy(() -> tokens.prompt(ex("q8", "ab\n"), BINARY))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("(\"ab\\n\")");
  }

  @Test
  public void label_rejectsTextThatEncodesToTheUnknownToken() {
    PromptTokens tokens =
        PromptTokens.of(new PromptLayout(Map.of("True", " Yes"), "\n"), TOK, TOK.size());

    assertThatThrownBy(() -> tokens.label("True"))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("label 'True'")
        .hasMessageContaining("unknown token");
  }

  @Test
  public void prompt_rejectsALabelThatIsNotACleanContinuation() {
    // "ab" + "True" reads a, bT, rue: the label's token True never appears
    PromptTokens tokens =
        PromptTokens.of(new PromptLayout(Map.of("True", "True"), "\n"), TOK, TOK.size());

    assertThatThrownBy(() -> tokens.prompt(ex("e3", "ab"), LabelSpace.of("True", "c")))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("label 'True' tokenizes differently after the prompt of example 'e3'");
    // the same verbalizer after a prompt that does not merge with it is fine
    assertThat(tokens.prompt(ex("e4", "ac"), LabelSpace.of("True", "c"))).hasSize(2);
  }

  @Test
  public void prompt_rejectsAnIdOutsideTheVocabulary() {
    PromptTokens tokens = PromptTokens.of(PromptLayout.official(), TOK, 3); // only <unk>, a, b

    assertThatThrownBy(() -> tokens.prompt(ex("e5", "ac"), BINARY))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("the prompt of example 'e5' has token id " + TOK.id("c"))
        .hasMessageContaining("vocabulary of 3");
  }

  @Test
  public void withoutAVocabularySize_idsAreNotRangeChecked() {
    PromptTokens tokens = PromptTokens.of(PromptLayout.official(), TOK);

    assertThat(tokens.prompt(ex("e5", "ac"), BINARY)).containsExactly(TOK.id("a"), TOK.id("c"));
  }

  @Test
  public void withoutAVocabularySize_aNegativeIdIsStillRejected() {
    PromptTokens tokens = PromptTokens.of(PromptLayout.official(), text -> new long[] {-1});

    assertThatThrownBy(() -> tokens.label("True"))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("label 'True' has token id -1, outside the model's vocabulary of unknown size");
  }

  @Test
  public void of_rejectsANonPositiveVocabularySize() {
    assertThatThrownBy(() -> PromptTokens.of(PromptLayout.official(), TOK, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was 0");
  }

  @Test
  public void checkBatch_acceptsTheLongestContextAtTheLimitAndNamesABatchSizeThatFits() {
    // demo = a b | " True" | \n \n = 5 tokens; 3 examples: 2 demos + query + label minus last = 5+5+2 = 12
    PromptTokens tokens = PromptTokens.of(PromptLayout.official(), TOK, TOK.size());
    List<Example> batch = List.of(ex("1", "ab"), ex("2", "ab"), ex("3", "ab"));

    tokens.checkBatch(BINARY, batch, 12);

    assertThatThrownBy(() -> tokens.checkBatch(BINARY, batch, 11))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("context of 12 tokens")
        .hasMessageContaining("Icm.Builder.batchSize(2)");
  }

  @Test
  public void checkBatch_namesTheExampleWhosePromptAloneDoesNotFit() {
    PromptTokens tokens = PromptTokens.of(PromptLayout.official(), TOK, TOK.size());

    assertThatThrownBy(() -> tokens.checkBatch(BINARY, List.of(ex("1", "a"), ex("long", "abcab")), 4))
        .isInstanceOf(IcmException.class)
        .hasMessageContaining("example 'long'")
        .hasMessageContaining("takes 5 tokens");
  }

  @Test
  public void layout_rejectsAnEmptyVerbalizer() {
    assertThatThrownBy(() -> new PromptLayout(Map.of("True", ""), "\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("verbalizer of label 'True' is empty");
  }
}
