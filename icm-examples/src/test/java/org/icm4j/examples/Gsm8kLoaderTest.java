package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.icm4j.Example;
import org.icm4j.Rules;
import org.icm4j.eval.GoldLabels;
import org.icm4j.io.MalformedInputException;
import org.icm4j.spi.ConsistencyRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Gsm8kLoaderTest {

  private static final Pattern PROMPT =
      Pattern.compile("Question: (.*)\nClaim: (.*)\nI think this claim is", Pattern.DOTALL);

  private static Gsm8kLoader loader;
  private static ClaimSet all;

  @BeforeAll
  static void load() {
    loader = Gsm8kLoader.bundled();
    all = loader.claims();
  }

  @Test
  void bundled_has1319QuestionsAndFourClaimsEach() {
    assertThat(loader.questionCount()).isEqualTo(1319);
    assertThat(all.size()).isEqualTo(5276);
    assertThat(all.groupCount()).isEqualTo(1319);
    assertThat(all.gold().size()).isEqualTo(5276);
    Map<String, Long> byLabel = new HashMap<>();
    all.gold().asMap().values().forEach(l -> byLabel.merge(l, 1L, Long::sum));
    assertThat(byLabel).containsOnly(Map.entry("True", 2001L), Map.entry("False", 3275L));
  }

  @Test
  void firstClaim_followsTheOfficialTemplate() {
    Example first = all.examples().get(0);
    assertThat(first.id()).isEqualTo("gsm8k-0000-6b_finetuning");
    assertThat(first.group()).isEqualTo("gsm8k-0000");
    assertThat(first.prompt())
        .startsWith("Question: Janet\u2019s ducks lay 16 eggs per day.")
        .contains("?\nClaim: Janet eats 3 ducks eggs for breakfast")
        .endsWith("\nA: 26\nI think this claim is");
    assertThat(first.attributes()).containsExactly(Map.entry("answer", "26"));
    assertThat(all.gold().label("gsm8k-0000-6b_finetuning")).contains("False");
    assertThat(all.gold().label("gsm8k-0000-175b_verification")).contains("True");
    assertThat(all.examples().subList(0, 4))
        .extracting(Example::id)
        .containsExactly(
            "gsm8k-0000-6b_finetuning",
            "gsm8k-0000-6b_verification",
            "gsm8k-0000-175b_finetuning",
            "gsm8k-0000-175b_verification");
    assertThat(all.rules()).extracting(ConsistencyRule::name).containsExactly("answerKey(answer)");
  }

  @Test
  void finalAnswer_handWrittenCases() {
    assertThat(Gsm8kLoader.finalAnswer("9 * 2 = <<9*2=18>>18\nA: 18")).contains("18");
    assertThat(Gsm8kLoader.finalAnswer("A: 18")).contains("18");
    assertThat(Gsm8kLoader.finalAnswer("x\nA:   25,400  ")).contains("25400");
    assertThat(Gsm8kLoader.finalAnswer("x\nA: 1,234,567")).contains("1234567");
    assertThat(Gsm8kLoader.finalAnswer("x\nA: 3.0")).contains("3");
    assertThat(Gsm8kLoader.finalAnswer("x\nA: 3.")).contains("3");
    assertThat(Gsm8kLoader.finalAnswer("x\nA: 14.80")).contains("14.8");
    assertThat(Gsm8kLoader.finalAnswer("x\nA: 100")).contains("100");
    assertThat(Gsm8kLoader.finalAnswer("x\nA: -0.0")).contains("0");
    assertThat(Gsm8kLoader.finalAnswer("x\nA: -12")).contains("-12");
    assertThat(Gsm8kLoader.finalAnswer("x\nA: 0.3333333333333333"))
        .contains("0.3333333333333333");
    // Not plain numbers: kept, after whitespace and digit-comma clean-up.
    assertThat(Gsm8kLoader.finalAnswer("x\nA:  -1.8   billion")).contains("-1.8 billion");
    assertThat(Gsm8kLoader.finalAnswer("x\nA: 1/5")).contains("1/5");
    assertThat(Gsm8kLoader.finalAnswer("x\nA: 10+John's age")).contains("10+John's age");
    // "A:" inside a line is not the answer line (question 199 of the bundled file).
    assertThat(Gsm8kLoader.finalAnswer("paid by Publisher A: 5000 cents\nA: 500000"))
        .contains("500000");
    assertThat(Gsm8kLoader.finalAnswer("paid by Publisher A: 5000 cents")).isEmpty();
    // The last answer line wins.
    assertThat(Gsm8kLoader.finalAnswer("A: 1\nA: 2")).contains("2");
    // Cut-off solutions have no answer.
    assertThat(Gsm8kLoader.finalAnswer("so she makes 13 * 2 = $<<13*2=26>>2")).isEmpty();
    assertThat(Gsm8kLoader.finalAnswer("x\nA:   ")).isEmpty();
    assertThat(Gsm8kLoader.finalAnswer("25")).isEmpty();
  }

  @Test
  void normalizeAnswer_makesEqualNumbersEqual() {
    assertThat(Gsm8kLoader.normalizeAnswer("25,400")).isEqualTo(Gsm8kLoader.normalizeAnswer("25400"));
    assertThat(Gsm8kLoader.normalizeAnswer("18.00")).isEqualTo("18");
    assertThat(Gsm8kLoader.normalizeAnswer("+7")).isEqualTo("7");
    assertThat(Gsm8kLoader.normalizeAnswer(".5")).isEqualTo("0.5");
    assertThat(Gsm8kLoader.normalizeAnswer("1,5")).isEqualTo("15");
    assertThat(Gsm8kLoader.normalizeAnswer("a, b")).isEqualTo("a, b");
  }

  @Test
  void bundled_elevenSolutionsHaveNoFinalAnswerAndAreAllGradedIncorrect() {
    List<Example> noAnswer =
        all.examples().stream().filter(e -> e.attribute("answer") == null).toList();
    assertThat(noAnswer).hasSize(11);
    assertThat(noAnswer).allSatisfy(e -> assertThat(all.gold().label(e.id())).contains("False"));
  }

  @Test
  void noExampleCarriesAGoldLabelOrAnAttributeDerivedFromIt() {
    for (Example e : all.examples()) {
      assertThat(e.attributes().keySet()).isSubsetOf("answer");
      Matcher m = PROMPT.matcher(e.prompt());
      assertThat(m.matches()).as(e.id()).isTrue();
      // The attribute is a function of the solution text shown in the prompt, nothing else.
      assertThat(Optional.ofNullable(e.attribute("answer")))
          .as(e.id())
          .isEqualTo(Gsm8kLoader.finalAnswer(m.group(2)));
      assertThat(e.id()).doesNotContainIgnoringCase("true").doesNotContainIgnoringCase("false");
      assertThat(e.group()).isEqualTo(e.id().substring(0, "gsm8k-0000".length()));
    }
  }

  /**
   * An important fact about the data: the gold labels ({@code is_correct}) never break {@code
   * Rules.answerKey("answer")}. Measured on the bundled file: the rule relates 7882 pairs (two
   * solutions of one question that both have a final answer) and gold breaks 0 of them; the
   * grading compared normalised final answers with the reference one. Without normalisation
   * ("25,400" against "25400") gold would break it in 2 pairs of 2 questions.
   */
  @Test
  void goldLabels_satisfyTheAnswerKeyRule() {
    ConsistencyRule rule = Rules.answerKey("answer");
    int[] measured = countPairs(all.examples(), all.gold(), rule);
    assertThat(measured[0]).as("related pairs").isEqualTo(7882);
    assertThat(measured[1]).as("pairs that gold breaks").isEqualTo(0);

    // The same measurement with the raw text after "A:" (only stripped): 2 broken pairs.
    List<Example> raw = new ArrayList<>();
    for (Example e : all.examples()) {
      Matcher m = PROMPT.matcher(e.prompt());
      assertThat(m.matches()).isTrue();
      String solution = m.group(2);
      int at = solution.lastIndexOf("\nA:");
      Map<String, String> attrs = new LinkedHashMap<>();
      if (e.attribute("answer") != null) {
        attrs.put("answer", solution.substring(at + 3).strip());
      }
      raw.add(new Example(e.id(), e.prompt(), e.group(), attrs));
    }
    int[] unnormalised = countPairs(raw, all.gold(), rule);
    assertThat(unnormalised[1]).as("pairs gold breaks without normalisation").isEqualTo(2);
  }

  /** {related pairs, pairs inconsistent under gold} over pairs within each group. */
  private static int[] countPairs(List<Example> examples, GoldLabels gold, ConsistencyRule rule) {
    Map<String, List<Example>> groups = new LinkedHashMap<>();
    for (Example e : examples) {
      groups.computeIfAbsent(e.group(), g -> new ArrayList<>()).add(e);
    }
    int related = 0;
    int broken = 0;
    for (List<Example> g : groups.values()) {
      for (int i = 0; i < g.size(); i++) {
        for (int j = i + 1; j < g.size(); j++) {
          Example a = g.get(i);
          Example b = g.get(j);
          if (a.attribute("answer") == null || b.attribute("answer") == null) {
            continue;
          }
          related++;
          if (!rule.pairConsistent(
              a, gold.label(a.id()).orElseThrow(), b, gold.label(b.id()).orElseThrow())) {
            broken++;
          }
        }
      }
    }
    return new int[] {related, broken};
  }

  @Test
  void sampleQuestions_isSeededDistinctAndSorted() {
    List<Integer> a = loader.sampleQuestions(64, 42);
    assertThat(a).hasSize(64).doesNotHaveDuplicates().isSorted();
    assertThat(a).allSatisfy(i -> assertThat(i).isBetween(0, 1318));
    assertThat(loader.sampleQuestions(64, 42)).isEqualTo(a);
    assertThat(loader.sampleQuestions(64, 43)).isNotEqualTo(a);
    assertThat(loader.sampleQuestions(1319, 7)).isEqualTo(loader.firstQuestions(1319));

    ClaimSet batch = loader.claims(a);
    assertThat(batch.size()).isEqualTo(256);
    assertThat(batch.groupCount()).isEqualTo(64);
    assertThat(batch.gold().asMap().keySet())
        .containsExactlyInAnyOrderElementsOf(
            batch.examples().stream().map(Example::id).toList());
  }

  @Test
  void claims_withACharacterLimit_cutPromptsButNotAnswers() {
    ClaimSet cut = loader.claims(List.of(0, 1), 30);
    ClaimSet whole = loader.claims(List.of(0, 1));
    assertThat(cut.truncatedTexts()).isEqualTo(16); // every question and solution is longer
    assertThat(whole.truncatedTexts()).isZero();
    for (int i = 0; i < cut.size(); i++) {
      Example e = cut.examples().get(i);
      Matcher m = PROMPT.matcher(e.prompt());
      assertThat(m.matches()).isTrue();
      assertThat(m.group(1)).hasSizeLessThanOrEqualTo(30);
      assertThat(m.group(2)).hasSizeLessThanOrEqualTo(30);
      assertThat(e.attributes()).isEqualTo(whole.examples().get(i).attributes());
    }
    assertThat(cut.examples().get(0).prompt())
        .isEqualTo(
            "Question: Janet\u2019s ducks lay 16 eggs per \nClaim: Janet eats 3 ducks eggs for br"
                + "\nI think this claim is");
  }

  @Test
  void claims_rejectBadSelections() {
    assertThatThrownBy(() -> loader.claims(List.of())).hasMessageContaining("at least one");
    assertThatThrownBy(() -> loader.claims(List.of(1319))).hasMessageContaining("[0, 1319)");
    assertThatThrownBy(() -> loader.claims(List.of(3, 3))).hasMessageContaining("more than once");
    assertThatThrownBy(() -> loader.sampleQuestions(0, 1)).hasMessageContaining("[1, 1319]");
    assertThatThrownBy(() -> loader.claims(List.of(0), 0)).hasMessageContaining("maxTextChars");
  }

  @Test
  void read_namesTheLineOfABadRecord() {
    String good =
        "{\"question\":\"q?\",\"6b_finetuning\":{\"solution\":\"A: 1\",\"is_correct\":true},"
            + "\"6b_verification\":{\"solution\":\"A: 2\",\"is_correct\":false},"
            + "\"175b_finetuning\":{\"solution\":\"A: 1\",\"is_correct\":true},"
            + "\"175b_verification\":{\"solution\":\"A: 3\",\"is_correct\":false}}";
    Gsm8kLoader one = Gsm8kLoader.read(new StringReader(good + "\n\n"), "t.jsonl");
    assertThat(one.questionCount()).isEqualTo(1);
    assertThat(one.claims().examples())
        .extracting(e -> e.attribute("answer"))
        .containsExactly("1", "2", "1", "3");

    String bad = good.replace("\"is_correct\":false}}", "\"is_correct\":\"no\"}}");
    assertThatThrownBy(() -> Gsm8kLoader.read(new StringReader(good + "\n\n" + bad), "t.jsonl"))
        .isInstanceOf(MalformedInputException.class)
        .hasMessageStartingWith("t.jsonl line 3: '175b_verification' has no boolean 'is_correct'");
    assertThatThrownBy(() -> Gsm8kLoader.read(new StringReader("{\"question\": 1"), "t.jsonl"))
        .isInstanceOf(MalformedInputException.class)
        .hasMessageStartingWith("t.jsonl line 1: invalid JSON");
    assertThatThrownBy(() -> Gsm8kLoader.read(new StringReader(""), "t.jsonl"))
        .isInstanceOf(MalformedInputException.class)
        .hasMessageContaining("no questions");
  }
}
