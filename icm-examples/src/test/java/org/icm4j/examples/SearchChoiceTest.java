package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.icm4j.Icm;
import org.icm4j.search.RuleHandling;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SearchChoiceTest {

  private static SearchChoice parse(String... args) {
    SearchChoice c = new SearchChoice();
    new CommandLine(c).parseArgs(args);
    return c;
  }

  private static String search(SearchChoice.Value v) {
    return v.configure(Icm.builder().scorer((space, requests) -> null).seed(1)).build().configuration().get("search");
  }

  @Test
  void noOptions_isTheLibrarysDefaultSearch() {
    SearchChoice.Value v = parse().choice();
    assertThat(v).isEqualTo(SearchChoice.Value.defaults());
    assertThat(search(v)).isEqualTo(search(SearchChoice.Value.multiStart(16)));
    assertThat(v.describe()).isEqualTo("the default search (16 starts)");
  }

  @Test
  void startsAndRulesAsPenalties_configureTheDefaultSearch() {
    SearchChoice.Value v = parse("--starts", "12", "--rules-as", "penalties").choice();
    assertThat(v.rules()).isEqualTo(RuleHandling.PENALTIES);
    assertThat(search(v)).isEqualTo("multiStart(starts=12, rules=penalties)");
    assertThat(v.describe()).isEqualTo("the default search (12 starts, rules as penalties)");
  }

  @Test
  void paper_takesTheCommandsAnnealingDefaults_orTheGivenOnes() {
    assertThat(parse("--search", "paper").choice().describe())
        .isEqualTo("the paper's annealing (150 iterations x 4 chains)");
    assertThat(parse("--search", "paper").choice(1000, 1).describe())
        .isEqualTo("the paper's annealing (1000 iterations x 1 chains)");
    SearchChoice.Value v = parse("--search", "paper", "--iterations", "7", "--chains", "2").choice();
    assertThat(search(v)).isEqualTo("annealing");
    assertThat(v.iterations()).isEqualTo(7);
    assertThat(v.chains()).isEqualTo(2);
  }

  @Test
  void optionsOfTheOtherSearch_orUnknownValues_failNamingThem() {
    assertThatThrownBy(() -> parse("--iterations", "5").choice())
        .hasMessageContaining("--iterations and --chains configure the paper's annealing: add --search paper");
    assertThatThrownBy(() -> parse("--search", "paper", "--starts", "4").choice())
        .hasMessageContaining("--starts and --rules-as configure the default search");
    assertThatThrownBy(() -> parse("--rules-as", "soft").choice())
        .hasMessageContaining("--rules-as must be constraints or penalties, but was 'soft'");
    assertThatThrownBy(() -> parse("--search", "greedy").choice())
        .hasMessageContaining("--search must be default or paper, but was 'greedy'");
    assertThatThrownBy(() -> parse("--starts", "0").choice()).hasMessageContaining("--starts must be >= 1, but was 0");
  }
}
