package org.icm4j.internal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.icm4j.LabelSpace;
import org.icm4j.internal.Batches;
import org.icm4j.result.IterationRecord;
import org.icm4j.spi.search.ChainCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal: appends what changed, compacts as it grows, and survives a torn last line. */
class CheckpointStoreTest {
  private static final int N = 16;
  private static final long SEED = 7;

  @TempDir Path dir;

  private static CheckpointStore.Expected expected() {
    List<String> ids = new ArrayList<>();
    List<CheckpointStore.ExampleDigest> digests = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      ids.add(String.format("e%02d", i));
      digests.add(new CheckpointStore.ExampleDigest(ids.get(i), "00000000", "00000000", "00000000"));
    }
    return new CheckpointStore.Expected(
        "f".repeat(32), Map.of("seed", "7"), digests, List.of(ids), LabelSpace.binary(), 1, 50, SEED, 1_000_000, true);
  }

  /** A chain's state after {@code iterations}: one record per iteration, every third accepted. */
  private static CheckpointStore.ChainData state(List<IterationRecord> history, int iterations) {
    while (history.size() < iterations) {
      int it = history.size() + 1;
      history.add(new IterationRecord(it, 1.5, "e03", "True", 0, it % 3 == 0, 2.5, 0.05, 0, N));
    }
    int accepted = iterations / 3;
    int[] labels = new int[N];
    labels[iterations % N] = 1;
    ChainCheckpoint cp = new ChainCheckpoint(iterations, accepted, labels, 0.05, history, labels, 0.05);
    return CheckpointStore.ChainData.of(
        0, Batches.chainSeed(SEED, Batches.key(expected().batches().get(0)), 0), false, cp, -1, iterations * 31L, new long[] {iterations, 2L * iterations, 0});
  }

  @Test
  void aChainUpdate_appendsWhatChanged_notTheWholeHistory() throws IOException {
    Path file = dir.resolve("journal.ckpt");
    List<IterationRecord> history = new ArrayList<>();
    List<Long> appended = new ArrayList<>();
    try (CheckpointStore store = CheckpointStore.open(file, expected())) {
      for (int it = 10; it <= 5000; it += 10) {
        long before = Files.size(file);
        store.updateChain(0, state(history, it), false);
        long after = Files.size(file);
        if (after > before) {
          appended.add(after - before); // not a compaction
        }
      }
    }
    assertThat(appended).hasSizeGreaterThan(400);
    // ten history records and the labels: the same size at iteration 20 as at 5,000
    long first = appended.get(1);
    assertThat(appended).allMatch(b -> b < 2 * first, "each update appends about " + first + " bytes");
  }

  @Test
  void theJournal_isCompactedAsItGrows_andReadsBackAsTheLastState() throws IOException {
    Path file = dir.resolve("journal.ckpt");
    List<IterationRecord> history = new ArrayList<>();
    CheckpointStore.ChainData last = null;
    long largest = 0;
    int compactions = 0;
    try (CheckpointStore store = CheckpointStore.open(file, expected())) {
      for (int it = 10; it <= 8_000; it += 10) {
        last = state(history, it);
        long before = Files.size(file);
        store.updateChain(0, last, false);
        compactions += Files.size(file) < before ? 1 : 0;
        largest = Math.max(largest, Files.size(file));
      }
    }
    // the file never holds much more than twice the state it compacts to (8,000 history records,
    // about 0.9 MB), plus the 1 MiB it may grow before the first compaction
    long whole;
    try (CheckpointStore again = CheckpointStore.open(file, expected())) {
      CheckpointStore.ChainData read = again.chain(0, 0);
      assertThat(read).isNotNull();
      assertThat(read.history()).isEqualTo(last.history());
      assertThat(read.labels()).isEqualTo(last.labels());
      assertThat(read.iteration()).isEqualTo(8_000);
      assertThat(read.rng()).isEqualTo(last.rng());
      assertThat(read.queries()).isEqualTo(last.queries());
      whole = Files.size(file);
    }
    assertThat(compactions).isPositive();
    assertThat(largest).isLessThanOrEqualTo(3 * whole + CheckpointStore.MIN_COMPACTION_BYTES);
  }

  @Test
  void aTornLastLine_isIgnoredAndCutOff_theStateBeforeItIsRead() throws IOException {
    Path file = dir.resolve("journal.ckpt");
    List<IterationRecord> history = new ArrayList<>();
    CheckpointStore.ChainData before;
    try (CheckpointStore store = CheckpointStore.open(file, expected())) {
      store.updateChain(0, state(history, 10), false);
      before = state(history, 20);
      store.updateChain(0, before, false);
      store.updateChain(0, state(history, 30), false);
    }
    long size = Files.size(file);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size - 40); // the last write, cut short
    }
    try (CheckpointStore store = CheckpointStore.open(file, expected())) {
      CheckpointStore.ChainData read = store.chain(0, 0);
      assertThat(read.iteration()).isEqualTo(20);
      assertThat(read.history()).isEqualTo(before.history());
      assertThat(Files.readString(file)).endsWith("\n");
      // the next update is appended after the last whole line, and reads back
      store.updateChain(0, state(history, 40), false);
    }
    try (CheckpointStore store = CheckpointStore.open(file, expected())) {
      assertThat(store.chain(0, 0).iteration()).isEqualTo(40);
      assertThat(store.chain(0, 0).history()).hasSize(40);
    }
  }
}
