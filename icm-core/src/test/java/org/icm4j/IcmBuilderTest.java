package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.icm4j.search.AnnealingSearch;
import org.icm4j.search.ProposalMode;
import org.icm4j.search.Searches;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreResult;
import org.icm4j.spi.search.ExampleSampler;
import org.icm4j.spi.search.TemperatureSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IcmBuilderTest {

  private static final LabelScorer CONSTANT =
      (space, requests) ->
          ScoreResult.of(requests.stream().map(r -> new double[space.size()]).toList());

  private static Icm.Builder complete() {
    return Icm.builder().scorer(CONSTANT).seed(42);
  }

  // ---- setters reject bad values at once, quoting the value ----

  @Test
  void alpha_rejectsZero() {
    assertThatThrownBy(() -> Icm.builder().alpha(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("alpha")
        .hasMessageContaining("but was 0.0");
  }

  @Test
  void alpha_rejectsNegative() {
    assertThatThrownBy(() -> Icm.builder().alpha(-3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("alpha")
        .hasMessageContaining("but was -3.0");
  }

  @Test
  void alpha_rejectsNaN() {
    assertThatThrownBy(() -> Icm.builder().alpha(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("alpha")
        .hasMessageContaining("but was NaN");
  }

  @Test
  void alpha_rejectsPositiveInfinity() {
    assertThatThrownBy(() -> Icm.builder().alpha(Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("alpha")
        .hasMessageContaining("but was Infinity");
  }

  @Test
  void alpha_rejectsNegativeInfinity() {
    assertThatThrownBy(() -> Icm.builder().alpha(Double.NEGATIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was -Infinity");
  }

  @Test
  void alpha_acceptsSmallPositiveValue() {
    assertThat(complete().alpha(1e-6).build().configuration()).containsEntry("alpha", "1.0E-6");
  }

  @Test
  void alpha_rejectedValueLeavesThePreviousValueInPlace() {
    Icm.Builder builder = complete().alpha(20);

    assertThatThrownBy(() -> builder.alpha(-1)).isInstanceOf(IllegalArgumentException.class);

    assertThat(builder.build().configuration()).containsEntry("alpha", "20.0");
  }

  @Test
  void iterations_rejectsNegative() {
    assertThatThrownBy(() -> Searches.paper().withIterations(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("iterations")
        .hasMessageContaining("but was -1");
  }

  @Test
  void iterations_acceptsZero() {
    assertThat(complete().search(Searches.paper().withIterations(0)).build().configuration()).containsEntry("iterations", "0");
  }

  @Test
  void initialLabels_rejectsZero() {
    assertThatThrownBy(() -> Icm.builder().initialLabels(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("initialLabels (K)")
        .hasMessageContaining("but was 0");
  }

  @Test
  void initialLabels_rejectsNegative() {
    assertThatThrownBy(() -> Icm.builder().initialLabels(-4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was -4");
  }

  @Test
  void fixRounds_rejectsNegative() {
    assertThatThrownBy(() -> Searches.paper().withFixRounds(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fixRounds (M)")
        .hasMessageContaining("but was -1");
  }

  @Test
  void fixRounds_acceptsZeroToTurnConsistencyFixOff() {
    assertThat(complete().search(Searches.paper().withFixRounds(0)).build().configuration()).containsEntry("fixRounds", "0");
  }

  @Test
  void chains_rejectsZero() {
    assertThatThrownBy(() -> Icm.builder().chains(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("chains")
        .hasMessageContaining("but was 0");
  }

  @Test
  void scoreMemo_rejectsNegative_andAcceptsZeroToTurnItOff() {
    assertThatThrownBy(() -> Icm.builder().scoreMemo(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scoreMemo")
        .hasMessageContaining("but was -1");
    assertThat(complete().scoreMemo(0).build().configuration()).containsEntry("scoreMemo", "0");
    assertThat(complete().build().configuration())
        .containsEntry("scoreMemo", Integer.toString(Icm.DEFAULT_SCORE_MEMO));
  }

  @Test
  void batchSize_rejectsZero() {
    assertThatThrownBy(() -> Icm.builder().batchSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batchSize")
        .hasMessageContaining("but was 0");
  }

  @Test
  void batchSize_rejectsNegative() {
    assertThatThrownBy(() -> Icm.builder().batchSize(-7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was -7");
  }

  @Test
  void checkpoint_rejectsIntervalBelowOne() {
    assertThatThrownBy(() -> Icm.builder().checkpoint(Path.of("run.ckpt"), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("checkpoint interval")
        .hasMessageContaining("but was 0");
  }

  @Test
  void rule_rejectsASecondRuleOfTheSameName() {
    Icm.Builder builder = Icm.builder().rule(Rules.atMostOne());

    assertThatThrownBy(() -> builder.rule(Rules.atMostOne()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'atMostOne'");
  }

  @Test
  void rules_rejectsDuplicateNamesWithinTheList() {
    ConsistencyRule a = ConsistencyRule.pairwise("mine", (x, lx, y, ly) -> true);
    ConsistencyRule b = ConsistencyRule.pairwise("mine", (x, lx, y, ly) -> false);

    assertThatThrownBy(() -> Icm.builder().rules(List.of(a, b)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'mine'");
  }

  static Stream<Arguments> nullSetters() {
    return Stream.of(
        nullCase("scorer", b -> b.scorer(null)),
        nullCase("labelSpace", b -> b.labelSpace(null)),
        nullCase("rule", b -> b.rule(null)),
        nullCase("rules", b -> b.rules(null)),
        nullCase("measure", b -> b.mutualPredictability(null)),
        nullCase("search", b -> b.search(null)),
        nullCase("executor", b -> b.executor(null)),
        nullCase("hook", b -> b.batchHook(null)),
        nullCase("listener", b -> b.listener(null)),
        nullCase("file", b -> b.checkpoint(null, 10)));
  }

  private static Arguments nullCase(String parameter, Consumer<Icm.Builder> call) {
    return Arguments.of(parameter, call);
  }

  @ParameterizedTest(name = "null {0}")
  @MethodSource("nullSetters")
  void setter_rejectsNullWithNpeNamingTheParameter(String parameter, Consumer<Icm.Builder> call) {
    assertThatThrownBy(() -> call.accept(Icm.builder()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage(parameter);
  }

  // ---- build() checks the combination ----

  @Test
  void build_withoutScorerFailsSayingWhatToCall() {
    assertThatThrownBy(() -> Icm.builder().seed(1).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no scorer")
        .hasMessageContaining("scorer(LabelScorer)");
  }

  @Test
  void build_withoutSeedFailsSayingWhatToCall() {
    assertThatThrownBy(() -> Icm.builder().scorer(CONSTANT).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no seed")
        .hasMessageContaining("seed(long)");
  }

  static Stream<Arguments> annealingOptions() {
    return Stream.of(
        Arguments.of("iterations", "5", (UnaryOperator<AnnealingSearch>) a -> a.withIterations(5)),
        Arguments.of("fixRounds", "0", (UnaryOperator<AnnealingSearch>) a -> a.withFixRounds(0)),
        Arguments.of("proposal", "SAMPLE", (UnaryOperator<AnnealingSearch>) a -> a.withProposal(ProposalMode.SAMPLE)),
        Arguments.of(
            "schedule",
            TemperatureSchedule.exponential(5, 0.9, 0.1).toString(),
            (UnaryOperator<AnnealingSearch>) a -> a.withSchedule(TemperatureSchedule.exponential(5, 0.9, 0.1))),
        Arguments.of(
            "sampler",
            ExampleSampler.uniform().toString(),
            (UnaryOperator<AnnealingSearch>) a -> a.withSampler(ExampleSampler.uniform())),
        Arguments.of("keepBest", "true", (UnaryOperator<AnnealingSearch>) a -> a.withKeepBest(true)));
  }

  /** Each annealing setting is the strategy's own: in its description, its equality, and the run's provenance. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("annealingOptions")
  void annealingSettings_describeThemselvesInTheConfiguration(
      String option, String value, UnaryOperator<AnnealingSearch> set) {
    AnnealingSearch changed = set.apply(Searches.paper());

    assertThat(changed).isNotEqualTo(Searches.paper()).isEqualTo(set.apply(Searches.paper()));
    assertThat(changed.describe()).containsEntry(option, value).containsEntry("search", "annealing");
    assertThat(complete().search(changed).build().configuration()).containsEntry(option, value);
    assertThat(Searches.paper().describe().get(option)).isNotEqualTo(value);
  }

  @Test
  void annealingWithers_rejectNullNamingTheParameter() {
    assertThatThrownBy(() -> Searches.paper().withProposal(null)).hasMessage("proposal");
    assertThatThrownBy(() -> Searches.paper().withSchedule(null)).hasMessage("schedule");
    assertThatThrownBy(() -> Searches.paper().withSampler(null)).hasMessage("sampler");
  }

  @Test
  void otherStrategies_describeNoAnnealingSetting() {
    assertThat(complete().build().configuration()).doesNotContainKeys("iterations", "fixRounds", "keepBest");
    assertThat(complete().search(Searches.exhaustive()).build().configuration())
        .doesNotContainKeys("iterations", "proposal", "sampler");
  }

  @Test
  void build_acceptsExhaustiveSearchWithoutAnnealingOptions() {
    Icm icm = complete().alpha(30).chains(2).search(Searches.exhaustive()).build();

    assertThat(icm.configuration()).containsEntry("search", "exhaustive");
  }

  @Test
  void build_twiceGivesEqualConfiguration() {
    Icm.Builder builder =
        complete().search(Searches.paper().withIterations(200)).alpha(25).rule(Rules.exactlyOne()).chains(3).batchSize(64);

    Icm first = builder.build();
    Icm second = builder.build();

    assertThat(second.configuration()).isEqualTo(first.configuration());
  }

  @Test
  void build_failureLeavesTheBuilderUsable() {
    Icm.Builder builder = Icm.builder().alpha(25);

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class);
    Icm icm = builder.scorer(CONSTANT).seed(3).build();

    assertThat(icm.configuration()).containsEntry("alpha", "25.0").containsEntry("seed", "3");
  }

  @Test
  void build_laterBuilderChangesDoNotReachABuiltIcm() {
    Icm.Builder builder = complete().rule(Rules.atMostOne());
    Icm built = builder.build();

    builder.rule(Rules.exactlyOne()).alpha(7).seed(9);

    assertThat(built.configuration())
        .containsEntry("rules", "[atMostOne]")
        .containsEntry("alpha", "50.0")
        .containsEntry("seed", "42");
    assertThat(builder.build().configuration())
        .containsEntry("rules", "[atMostOne, exactlyOne]")
        .containsEntry("alpha", "7.0")
        .containsEntry("seed", "9");
  }

  // ---- configuration() ----

  @Test
  void configuration_listsTheDefaults() {
    Map<String, String> c = complete().build().configuration();

    assertThat(c)
        .containsEntry("alpha", "50.0")
        .containsEntry("seed", "42")
        .containsEntry("rules", "[]")
        .containsEntry("labelSpace", "[True, False]")
        .containsEntry("search", "multiStart(starts=16, rules=constraints)")
        .containsEntry("initialLabels", "8")
        .containsEntry("mutualPredictability", "MEAN_SIGNED_LOG_ODDS")
        .containsEntry("chains", "1")
        .containsEntry("batchSize", "unbounded")
        .containsEntry("checkpointEvery", "off")
        .containsEntry("labelEveryExample", "true")
        .containsKey("scorer")
        // settings only the paper's annealing reads are not listed for another search
        .doesNotContainKeys("iterations", "fixRounds", "proposal", "schedule", "sampler", "keepBest");
  }

  @Test
  void configuration_listsThePapersDefaults() {
    Map<String, String> c = complete().search(Searches.paper()).build().configuration();

    assertThat(c)
        .containsEntry("alpha", "50.0")
        .containsEntry("seed", "42")
        .containsEntry("rules", "[]")
        .containsEntry("labelSpace", "[True, False]")
        .containsEntry("search", "annealing")
        .containsEntry("iterations", "1000")
        .containsEntry("initialLabels", "8")
        .containsEntry("fixRounds", "10")
        .containsEntry("proposal", "ARGMAX")
        .containsEntry("mutualPredictability", "MEAN_SIGNED_LOG_ODDS")
        .containsEntry("schedule", "officialLog(t0=10.0, tMin=0.01)")
        .containsEntry("sampler", "groupMatesFirst(100.0)")
        .containsEntry("keepBest", "false")
        .containsEntry("chains", "1")
        .containsEntry("batchSize", "unbounded")
        .containsEntry("checkpointEvery", "off")
        .containsKey("scorer");
  }

  @Test
  void configuration_listsWhatWasSet() {
    Map<String, String> c =
        complete()
            .search(Searches.paper().withIterations(300).withFixRounds(3).withProposal(ProposalMode.ARGMAX_ELSE_NEXT).withSchedule(TemperatureSchedule.exponential(8, 0.5, 0.1)).withSampler(ExampleSampler.uniform()).withKeepBest(true))
            .seed(-7)
            .alpha(22.5)
            .labelSpace(LabelSpace.of("Yes", "No"))
            .rule(Rules.answerKey("answer", "Yes"))
            .rule(Rules.exactlyOne("Yes"))
            .initialLabels(4)
            .mutualPredictability(MutualPredictability.SUM_LOG_PROB)
            .chains(4)
            .batchSize(32)
            .checkpoint(Path.of("run.ckpt"), 25)
            .build()
            .configuration();

    assertThat(c)
        .containsEntry("seed", "-7")
        .containsEntry("alpha", "22.5")
        .containsEntry("labelSpace", "[Yes, No]")
        .containsEntry("rules", "[answerKey(answer)[Yes], exactlyOne[Yes]]")
        .containsEntry("iterations", "300")
        .containsEntry("initialLabels", "4")
        .containsEntry("fixRounds", "3")
        .containsEntry("proposal", "ARGMAX_ELSE_NEXT")
        .containsEntry("mutualPredictability", "SUM_LOG_PROB")
        .containsEntry("schedule", "exponential(t0=8.0, rate=0.5, tMin=0.1)")
        .containsEntry("sampler", "uniform")
        .containsEntry("keepBest", "true")
        .containsEntry("chains", "4")
        .containsEntry("batchSize", "32")
        .containsEntry("checkpointEvery", "25");
  }

  @Test
  void build_rejectsABuiltInRuleWhoseTrueLabelIsNotInTheLabelSpace() {
    Icm.Builder b =
        Icm.builder()
            .scorer((space, requests) -> ScoreResult.of(List.of()))
            .seed(1)
            .labelSpace(LabelSpace.of("Yes", "No"))
            .rule(Rules.exactlyOne());
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exactlyOne")
        .hasMessageContaining("'True'")
        .hasMessageContaining("[Yes, No]")
        .hasMessageContaining("Rules.exactlyOne(\"Yes\")");
  }

  @Test
  void builtInRulesWithDifferentTrueLabels_haveDifferentNames() {
    assertThat(Rules.answerKey("answer").name()).isNotEqualTo(Rules.answerKey("answer", "Yes").name());
    assertThat(Rules.exactlyOne().name()).isNotEqualTo(Rules.exactlyOne("Yes").name());
  }

  // ---- TemperatureSchedule factories ----

  @Test
  void officialLog_rejectsZeroT0() {
    assertThatThrownBy(() -> TemperatureSchedule.officialLog(0, 0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("t0")
        .hasMessageContaining("but was 0.0");
  }

  @Test
  void officialLog_rejectsNegativeT0() {
    assertThatThrownBy(() -> TemperatureSchedule.officialLog(-2, 0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was -2.0");
  }

  @Test
  void officialLog_rejectsNaNT0() {
    assertThatThrownBy(() -> TemperatureSchedule.officialLog(Double.NaN, 0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was NaN");
  }

  @Test
  void officialLog_rejectsZeroTMin() {
    assertThatThrownBy(() -> TemperatureSchedule.officialLog(10, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tMin")
        .hasMessageContaining("but was 0.0");
  }

  @Test
  void officialLog_rejectsTMinAboveT0() {
    assertThatThrownBy(() -> TemperatureSchedule.officialLog(1, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tMin (2.0)")
        .hasMessageContaining("t0 (1.0)");
  }

  @Test
  void officialLog_acceptsTMinEqualToT0() {
    assertThat(TemperatureSchedule.officialLog(2, 2).temperature(1, 5)).isEqualTo(2.0);
  }

  @Test
  void paperLog_rejectsTMinAboveT0() {
    assertThatThrownBy(() -> TemperatureSchedule.paperLog(1, 1, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tMin (5.0)")
        .hasMessageContaining("t0 (1.0)");
  }

  @Test
  void paperLog_rejectsNegativeBeta() {
    assertThatThrownBy(() -> TemperatureSchedule.paperLog(10, -1, 0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("beta")
        .hasMessageContaining("but was -1.0");
  }

  @Test
  void exponential_rejectsZeroRate() {
    assertThatThrownBy(() -> TemperatureSchedule.exponential(10, 0, 0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rate")
        .hasMessageContaining("but was 0.0");
  }

  @Test
  void exponential_rejectsRateAboveOne() {
    assertThatThrownBy(() -> TemperatureSchedule.exponential(10, 1.5, 0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rate")
        .hasMessageContaining("but was 1.5");
  }

  @Test
  void exponential_rejectsNegativeRate() {
    assertThatThrownBy(() -> TemperatureSchedule.exponential(10, -0.5, 0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was -0.5");
  }

  @Test
  void exponential_rejectsNaNRate() {
    assertThatThrownBy(() -> TemperatureSchedule.exponential(10, Double.NaN, 0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but was NaN");
  }

  @Test
  void exponential_rejectsNegativeT0() {
    assertThatThrownBy(() -> TemperatureSchedule.exponential(-1, 0.5, 0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("t0")
        .hasMessageContaining("but was -1.0");
  }

  @Test
  void officialLog_valuesFollowTheDocumentedFormula() {
    // max(tMin, t0 / (1 + 2 ln(1 + accepted))) with t0 = 10, tMin = 0.01
    TemperatureSchedule s = TemperatureSchedule.officialLog(10, 0.01);

    // accepted = 0: 10 / (1 + 2 ln 1) = 10 / 1 = 10
    assertThat(s.temperature(1, 0)).isEqualTo(10.0);
    // the iteration is not used: still 10 at iteration 500 with nothing accepted
    assertThat(s.temperature(500, 0)).isEqualTo(10.0);
    // accepted = 1: 10 / (1 + 2 ln 2) = 10 / (1 + 2 * 0.6931471805599453) = 10 / 2.386294361119891
    assertThat(s.temperature(7, 1)).isCloseTo(4.190597841964052, within(1e-12));
    // accepted = 99: 10 / (1 + 2 ln 100) = 10 / (1 + 2 * 4.605170185988092) = 10 / 10.210340371976184
    assertThat(s.temperature(200, 99)).isCloseTo(0.9793992791314289, within(1e-12));
  }

  @Test
  void officialLog_neverGoesBelowTMin() {
    // t0 = 1, tMin = 0.1, accepted = 2^31 - 1: 1 / (1 + 2 ln 2^31) = 1 / (1 + 2 * 21.487562597358306)
    // = 0.0227... < 0.1, so the floor 0.1 applies
    assertThat(TemperatureSchedule.officialLog(1, 0.1).temperature(1, Integer.MAX_VALUE))
        .isEqualTo(0.1);
  }

  @Test
  void paperLog_valuesFollowTheDocumentedFormula() {
    // max(tMin, t0 / (1 + beta ln n)); beta = 1 / ln 2 turns beta ln n into log2 n
    double beta = 1 / Math.log(2);
    TemperatureSchedule s = TemperatureSchedule.paperLog(10, beta, 0.5);

    // n = 1: 10 / (1 + log2 1) = 10 / 1 = 10
    assertThat(s.temperature(1, 0)).isCloseTo(10.0, within(1e-12));
    // n = 2: 10 / (1 + 1) = 5; accepted moves are not used
    assertThat(s.temperature(2, 0)).isCloseTo(5.0, within(1e-12));
    assertThat(s.temperature(2, 1000)).isCloseTo(5.0, within(1e-12));
    // n = 8: 10 / (1 + 3) = 2.5
    assertThat(s.temperature(8, 3)).isCloseTo(2.5, within(1e-12));
    // n = 1024: 10 / (1 + 10) = 0.909...; n = 2^20: 10 / (1 + 20) = 0.476... < 0.5, so 0.5
    assertThat(s.temperature(1024, 0)).isCloseTo(0.9090909090909091, within(1e-12));
    assertThat(s.temperature(1 << 20, 0)).isEqualTo(0.5);
  }

  @Test
  void paperLog_withBetaZeroIsConstant() {
    // beta = 0: 3 / (1 + 0) = 3 at every iteration
    TemperatureSchedule s = TemperatureSchedule.paperLog(3, 0, 0.1);

    assertThat(s.temperature(1, 0)).isEqualTo(3.0);
    assertThat(s.temperature(1_000_000, 10)).isEqualTo(3.0);
  }

  @Test
  void exponential_valuesFollowTheDocumentedFormula() {
    // max(tMin, t0 * rate^(n-1)) with t0 = 8, rate = 0.5, tMin = 0.1 (exact in binary)
    TemperatureSchedule s = TemperatureSchedule.exponential(8, 0.5, 0.1);

    assertThat(s.temperature(1, 0)).isEqualTo(8.0); // 8 * 0.5^0 = 8
    assertThat(s.temperature(2, 0)).isEqualTo(4.0); // 8 * 0.5^1 = 4
    assertThat(s.temperature(4, 9)).isEqualTo(1.0); // 8 * 0.5^3 = 1; accepted not used
    assertThat(s.temperature(7, 0)).isEqualTo(0.125); // 8 * 0.5^6 = 0.125
    assertThat(s.temperature(8, 0)).isEqualTo(0.1); // 8 * 0.5^7 = 0.0625 < 0.1: floor
  }

  @Test
  void exponential_withRateOneIsConstant() {
    // rate = 1: 6 * 1^(n-1) = 6
    TemperatureSchedule s = TemperatureSchedule.exponential(6, 1, 0.1);

    assertThat(s.temperature(1, 0)).isEqualTo(6.0);
    assertThat(s.temperature(10_000, 0)).isEqualTo(6.0);
  }

  @Test
  void schedules_describeThemselvesForProvenance() {
    assertThat(TemperatureSchedule.officialLog(10, 0.01)).hasToString("officialLog(t0=10.0, tMin=0.01)");
    assertThat(TemperatureSchedule.paperLog(10, 2, 0.01))
        .hasToString("paperLog(t0=10.0, beta=2.0, tMin=0.01)");
    assertThat(TemperatureSchedule.exponential(10, 0.9, 0.01))
        .hasToString("exponential(t0=10.0, rate=0.9, tMin=0.01)");
  }
}
