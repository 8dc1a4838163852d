package org.icm4j.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.icm4j.BatchSummary;
import org.icm4j.CheckpointException;
import org.icm4j.IterationRecord;
import org.icm4j.LabelDetail;
import org.icm4j.RunCounts;
import org.icm4j.spi.ChainCheckpoint;
import org.jspecify.annotations.Nullable;

/** A run's checkpoint file: read at start, rewritten atomically as chains progress. Thread-safe. */
final class CheckpointStore {
  static final int FORMAT = 2;
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  /** The file's content. */
  record Data(
      int format,
      String fingerprint,
      List<FinishedBatch> finished,
      int currentBatch,
      List<ChainData> chains) {}

  /** A finished batch: its summary, labels (batch order, -1 unlabelled), work and label details. */
  record FinishedBatch(BatchSummary summary, int[] labels, RunCounts counts, List<LabelDetail> details) {}

  /** A chain of the current batch: finished ({@code done}) or its last saved state. */
  record ChainData(
      int chain,
      long seed,
      boolean done,
      int iteration,
      int accepted,
      int[] labels,
      double mutualPredictability,
      List<IterationRecord> history,
      int[] bestLabels,
      double bestMutualPredictability,
      List<ChainCheckpoint.Saved> saved,
      int bestEnd,
      long rng,
      long calls,
      long queries,
      long tokens) {

    /**
     * A chain's entry from what its strategy saved, its generator's state and its counters; a done
     * chain's {@code saved} holds where its starts ended, {@code bestEnd} the one it returned.
     */
    static ChainData of(
        int chain, long seed, boolean done, ChainCheckpoint cp, int bestEnd, long rng, long[] counters) {
      return new ChainData(
          chain, seed, done, cp.iteration(), cp.accepted(), cp.labels(), cp.mutualPredictability(),
          cp.history(), cp.bestLabels(), cp.bestMutualPredictability(), cp.saved(), bestEnd, rng,
          counters[0], counters[1], counters[2]);
    }
  }

  private final Path file;
  private final String fingerprint;
  private final List<FinishedBatch> finished = new ArrayList<>();
  private int currentBatch;
  private final Map<Integer, ChainData> chains = new TreeMap<>();

  private CheckpointStore(Path file, String fingerprint) {
    this.file = file;
    this.fingerprint = fingerprint;
  }

  /** Opens a checkpoint: loads it when the file exists (and matches), else starts empty. */
  static CheckpointStore open(Path file, String fingerprint) {
    CheckpointStore store = new CheckpointStore(file, fingerprint);
    if (Files.exists(file)) {
      Data data;
      try {
        data = JSON.readValue(file.toFile(), Data.class);
      } catch (IOException e) {
        throw new CheckpointException(
            "cannot read checkpoint "
                + file
                + " ("
                + e.getMessage()
                + "): delete it to start afresh, or point checkpoint(...) at another file",
            e);
      }
      if (data.format() != FORMAT) {
        throw new CheckpointException(
            "checkpoint " + file + " has format " + data.format() + ", this icm4j reads format "
                + FORMAT + ": delete it to start afresh",
            null);
      }
      if (!data.fingerprint().equals(fingerprint)) {
        throw new CheckpointException(
            "checkpoint "
                + file
                + " was written by another configuration or data set (fingerprint "
                + data.fingerprint()
                + ", this run "
                + fingerprint
                + "): resume with the same settings, seed and examples, or delete the file",
            null);
      }
      store.finished.addAll(data.finished());
      store.currentBatch = data.currentBatch();
      for (ChainData c : data.chains()) {
        store.chains.put(c.chain(), c);
      }
    }
    return store;
  }

  synchronized List<FinishedBatch> finished() {
    return List.copyOf(finished);
  }

  /** The saved state of a chain of the given batch, if any. */
  synchronized @Nullable ChainData chain(int batch, int chain) {
    return batch == currentBatch ? chains.get(chain) : null;
  }

  synchronized void updateChain(int batch, ChainData data) {
    if (batch != currentBatch) {
      chains.clear();
      currentBatch = batch;
    }
    chains.put(data.chain(), data);
    write();
  }

  synchronized void finishBatch(FinishedBatch batch) {
    finished.add(batch);
    chains.clear();
    currentBatch = batch.summary().index() + 1;
    write();
  }

  Path file() {
    return file;
  }

  private void write() {
    Data data =
        new Data(FORMAT, fingerprint, List.copyOf(finished), currentBatch, List.copyOf(chains.values()));
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      JSON.writeValue(tmp.toFile(), data);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          e.addSuppressed(ignored);
        }
      }
      throw new CheckpointException(
          "cannot write checkpoint " + file + ": " + e.getMessage() + " (check the directory exists and is writable)",
          e);
    }
  }
}
