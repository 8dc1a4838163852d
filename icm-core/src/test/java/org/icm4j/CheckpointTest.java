package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.icm4j.RunAssertions.assertSameRun;
import static org.icm4j.RunAssertions.assertSameSearch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.icm4j.result.IcmResult;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.RunStatus;
import org.icm4j.search.ProposalMode;
import org.icm4j.search.Searches;
import org.icm4j.spi.IcmListener;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.icm4j.testing.PlantedWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Stopping a run at several points and resuming it gives the uninterrupted run, bit for bit. */
class CheckpointTest {
  private static final PlantedWorld WORLD = PlantedWorld.generate(PlantedWorld.Spec.standard(12, 5));

  @TempDir Path dir;

  private static Icm.Builder builder(int chains, int batchSize) {
    return Icm.builder().search(Searches.paper().withIterations(60).withProposal(ProposalMode.EXPLORE).withKeepBest(true)).labelEveryExample(false)
        .scorer(WORLD.scorer())
        .rule(Rules.exactlyOne())
        .rule(Rules.answerKey("answer"))
        .chains(chains)
        .batchSize(batchSize)
        .seed(11);
  }

  /** The resumed run is the uninterrupted one; with a score memo, only its scorer work may differ. */
  private static void assertResumedAsUninterrupted(IcmResult expected, IcmResult resumed, int memo) {
    assertThat(resumed.status()).isEqualTo(RunStatus.COMPLETE);
    if (memo == 0) {
      assertSameRun(expected, resumed);
    } else {
      // a resumed chain starts with an empty memo: it may ask the scorer again what the
      // uninterrupted chain remembered
      assertSameSearch(expected, resumed);
      assertThat(resumed.counts().scorerCalls()).isGreaterThanOrEqualTo(expected.counts().scorerCalls());
    }
  }

  /** Cancels the run when a given chain of a given batch reaches a given iteration. */
  private static IcmListener cancelAt(CancellationToken token, int batch, int chain, int iteration) {
    return new IcmListener() {
      @Override
      public void onIteration(int b, int c, IterationRecord record) {
        if (b == batch && c == chain && record.iteration() == iteration) {
          token.cancel();
        }
      }
    };
  }

  @ParameterizedTest(name = "stop at batch {0}, chain {1}, iteration {2}, every {3}, score memo {4}")
  @CsvSource({
    "0, 0, 1, 7, 0",
    "0, 0, 13, 7, 0",
    "0, 0, 14, 7, 0",
    "0, 1, 30, 5, 0",
    "1, 0, 59, 10, 0",
    "1, 1, 60, 10, 0",
    "2, 0, 45, 1, 0",
    "0, 0, 13, 7, 4096",
    "0, 1, 30, 5, 4096",
    "1, 1, 60, 10, 4096",
    "2, 0, 45, 1, 4096"
  })
  void resumeAfterStop_continuesExactlyAsTheUninterruptedRun(
      int batch, int chain, int iteration, int every, int memo) {
    IcmResult uninterrupted = builder(2, 16).scoreMemo(memo).build().run(WORLD.examples());
    assertThat(uninterrupted.batches()).hasSize(3);
    Path file = dir.resolve("run.ckpt.json");

    CancellationToken token = new CancellationToken();
    IcmResult partial =
        builder(2, 16).scoreMemo(memo).checkpoint(file, every)
            .listener(cancelAt(token, batch, chain, iteration)).build().run(WORLD.examples(), token);
    assertThat(partial.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(Files.exists(file)).isTrue();

    IcmResult resumed = builder(2, 16).scoreMemo(memo).checkpoint(file, every).build().run(WORLD.examples());
    assertResumedAsUninterrupted(uninterrupted, resumed, memo);
  }

  @Test
  void stoppingTwice_thenResuming_stillGivesTheUninterruptedRun() {
    IcmResult uninterrupted = builder(1, Integer.MAX_VALUE).build().run(WORLD.examples());
    Path file = dir.resolve("twice.json");
    for (int stopAt : new int[] {9, 31}) {
      CancellationToken token = new CancellationToken();
      IcmResult partial =
          builder(1, Integer.MAX_VALUE).checkpoint(file, 4).listener(cancelAt(token, 0, 0, stopAt))
              .build().run(WORLD.examples(), token);
      assertThat(partial.status()).isEqualTo(RunStatus.CANCELLED);
      assertThat(partial.history()).hasSizeLessThanOrEqualTo(stopAt);
    }
    assertResumedAsUninterrupted(
        uninterrupted,
        builder(1, Integer.MAX_VALUE).checkpoint(file, 4).build().run(WORLD.examples()),
        Icm.DEFAULT_SCORE_MEMO);
  }

  @Test
  void aCheckpoint_resumesWithAnotherScoreMemoSize() {
    IcmResult uninterrupted = builder(2, 16).build().run(WORLD.examples());
    Path file = dir.resolve("memo.json");
    CancellationToken token = new CancellationToken();
    builder(2, 16).checkpoint(file, 5).listener(cancelAt(token, 1, 0, 20))
        .build().run(WORLD.examples(), token);
    IcmResult resumed = builder(2, 16).scoreMemo(0).checkpoint(file, 5).build().run(WORLD.examples());
    assertResumedAsUninterrupted(uninterrupted, resumed, Icm.DEFAULT_SCORE_MEMO);
  }

  /** Answers as the planted world does and counts its calls. */
  private static final class CountingScorer implements LabelScorer {
    final AtomicLong calls = new AtomicLong();

    @Override
    public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
      calls.incrementAndGet();
      return WORLD.scorer().score(labels, requests);
    }
  }

  @Test
  void completedCheckpoint_returnsTheResultWithoutCallingTheScorer() {
    Path file = dir.resolve("done.json");
    // the checkpoint resumes with a scorer of the class that wrote it
    IcmResult first = builder(1, 16).scorer(new CountingScorer()).checkpoint(file, 10).build().run(WORLD.examples());
    CountingScorer counting = new CountingScorer();
    IcmResult again =
        builder(1, 16).scorer(counting).checkpoint(file, 10).build().run(WORLD.examples());
    assertSameRun(first, again);
    assertThat(counting.calls).hasValue(0);
  }

  @Test
  void checkpointOfAnotherConfiguration_isRejectedWithTheFileAndTheRemedy() {
    Path file = dir.resolve("other.json");
    builder(1, 16).checkpoint(file, 10).build().run(WORLD.examples());
    assertThatThrownBy(() -> builder(1, 16).seed(12).checkpoint(file, 10).build().run(WORLD.examples()))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("another configuration or data set")
        .hasMessageContaining("delete the file");
    List<Example> fewer = WORLD.examples().subList(0, 40);
    assertThatThrownBy(() -> builder(1, 16).checkpoint(file, 10).build().run(fewer))
        .isInstanceOf(CheckpointException.class);
  }

  @Test
  void corruptCheckpoint_isRejectedWithTheFileName() throws IOException {
    Path file = dir.resolve("corrupt.json");
    Files.writeString(file, "{\"format\": 1, \"fingerprint\": ");
    assertThatThrownBy(() -> builder(1, 16).checkpoint(file, 10).build().run(WORLD.examples()))
        .isInstanceOf(CheckpointException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("delete it");
  }

  @Test
  void checkpointWrites_leaveNoTemporaryFiles() throws IOException {
    Path file = dir.resolve("clean.json");
    builder(2, 16).checkpoint(file, 3).build().run(WORLD.examples());
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("clean.json", "clean.json.lock");
    }
  }
}
