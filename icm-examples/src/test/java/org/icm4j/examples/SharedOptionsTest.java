package org.icm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.icm4j.Icm;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

/**
 * The options the commands share ({@link SharedOptions}): one declaration each, the same in every
 * command that takes it, and {@code --batch-size} still accepted under its two new names. Parses
 * command lines only; nothing runs.
 */
class SharedOptionsTest {

  private static final List<Supplier<Callable<Integer>>> ICM_COMMANDS =
      List.of(DemoCommand::new, TableCommand::new, FineTuneCommand::new, RewardCommand::new,
          Gsm8kCostCommand::new);

  private static <T> T parse(T command, String... args) {
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void alpha_hasTheLibrarysDefault_inEveryCommandThatRunsIcm() {
    for (Supplier<Callable<Integer>> make : ICM_COMMANDS) {
      CommandLine cl = new CommandLine(make.get());
      OptionSpec alpha = cl.getCommandSpec().findOption("--alpha");
      assertThat(alpha).as(cl.getCommandName()).isNotNull();
      assertThat(Double.parseDouble(alpha.defaultValue())).as(cl.getCommandName()).isEqualTo(50.0);
      assertThat(Double.parseDouble(alpha.defaultValue())).isEqualTo(Icm.DEFAULT_ALPHA);
    }
    assertThat(parse(new DemoCommand()).icm.alpha()).isEqualTo(50.0);
    assertThat(parse(new RewardCommand(), "--alpha", "7.5").icm.alpha()).isEqualTo(7.5);
  }

  @Test
  void alpha_rejectsZeroNegativeAndNonFinite_quotingTheValue() {
    for (String bad : List.of("0", "-3", "NaN", "Infinity")) {
      SharedOptions.IcmRun icm = parse(new TableCommand(), "--alpha", bad).icm;
      assertThatThrownBy(icm::alpha)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--alpha must be > 0 and finite, but was");
    }
  }

  @Test
  void trainClaims_takesTheNewName_theOldName_andTheDefault() {
    assertThat(parse(new DemoCommand()).claims.trainClaims()).isEqualTo(32);
    assertThat(parse(new DemoCommand(), "--train-claims", "12").claims.trainClaims()).isEqualTo(12);
    assertThat(parse(new TableCommand(), "--batch-size", "8").claims.trainClaims()).isEqualTo(8);
    assertThat(parse(new TableCommand()).claims.testClaims).isEqualTo(64);
  }

  @Test
  void trainClaims_givenUnderBothNames_isRejectedNamingBoth() {
    SharedOptions.WorldClaims claims =
        parse(new DemoCommand(), "--train-claims", "12", "--batch-size", "8").claims;
    assertThatThrownBy(claims::trainClaims)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--train-claims")
        .hasMessageContaining("--batch-size")
        .hasMessageContaining("12")
        .hasMessageContaining("8");
  }

  @Test
  void icmBatch_keepsEachCommandsDefault_andTakesTheOldName() {
    assertThat(parse(new FineTuneCommand()).icmBatch.size(SharedOptions.IcmBatch.DEFAULT_POOL_BATCH))
        .isEqualTo(32);
    assertThat(parse(new Gsm8kCostCommand(), "--model-dir", "m").icmBatch.sizeOrNull()).isNull();
    SharedOptions.IcmBatch renamed = parse(new RewardCommand(), "--icm-batch", "16").icmBatch;
    assertThat(renamed.size(32)).isEqualTo(16);
    assertThat(renamed.name()).isEqualTo("--icm-batch");
    SharedOptions.IcmBatch old = parse(new Gsm8kCostCommand(), "--model-dir", "m", "--batch-size", "4").icmBatch;
    assertThat(old.sizeOrNull()).isEqualTo(4);
    assertThat(old.name()).isEqualTo("--batch-size");
    SharedOptions.IcmBatch both = parse(new FineTuneCommand(), "--icm-batch", "4", "--batch-size", "8").icmBatch;
    assertThatThrownBy(() -> both.size(32)).hasMessageContaining("not both");
    assertThatThrownBy(both::sizeOrNull).hasMessageContaining("not both");
  }

  @Test
  void help_showsTheNewNames_notTheOldOne() {
    String demo = new CommandLine(new DemoCommand()).getUsageMessage();
    assertThat(demo).contains("--train-claims", "--test-claims", "--alpha", "--leave-one-out", "--block-model")
        .doesNotContain("--batch-size=");
    String fineTune = new CommandLine(new FineTuneCommand()).getUsageMessage();
    assertThat(fineTune).contains("--icm-batch", "--seeds", "--parallel", "--human-arms", "--trusted", "--out")
        .doesNotContain("--batch-size=");
  }

  @Test
  void parallel_andTrusted_areCheckedWithTheValueInTheMessage() {
    SharedOptions.Parallel parallel = parse(new TableCommand(), "--parallel", "0").parallel;
    assertThatThrownBy(parallel::threads).hasMessage("--parallel must be >= 1, but was 0");
    assertThat(parse(new TableCommand(), "--parallel", "3").parallel.threads()).isEqualTo(3);

    SharedOptions.HumanArms off = parse(new TableCommand(), "--trusted", "99").humanArms;
    off.check(8, "the batch"); // not checked without --human-arms
    SharedOptions.HumanArms on = parse(new TableCommand(), "--human-arms", "--trusted", "8").humanArms;
    assertThatThrownBy(() -> on.check(8, "the batch"))
        .hasMessage("--trusted must be in [1, 7] (fewer than the batch), but was 8");
    on.check(9, "the batch");
    SharedOptions.HumanArms zero = parse(new RewardCommand(), "--human-arms", "--trusted", "0").humanArms;
    assertThatThrownBy(() -> zero.check(Integer.MAX_VALUE, "any number"))
        .hasMessage("--trusted must be >= 1, but was 0");
  }
}
