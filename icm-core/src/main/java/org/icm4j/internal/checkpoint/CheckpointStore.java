package org.icm4j.internal.checkpoint;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.icm4j.CheckpointException;
import org.icm4j.LabelSpace;
import org.icm4j.internal.checkpoint.CheckpointFormat.BatchLine;
import org.icm4j.internal.checkpoint.CheckpointFormat.ChainLine;
import org.icm4j.internal.checkpoint.CheckpointFormat.HeaderLine;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.LabelDetail;
import org.icm4j.result.RunCounts;
import org.icm4j.spi.search.ChainCheckpoint;
import org.jspecify.annotations.Nullable;

/**
 * A run's checkpoint file: a journal of records, read and checked when a run starts ({@link
 * CheckpointReader}) and appended to as chains progress. Thread-safe (every method is
 * synchronized).
 *
 * <p>Format {@value CheckpointFormat#VERSION}: its lines are {@link CheckpointLines}, its records
 * {@link CheckpointFormat}'s. The first record is the
 * header (format, fingerprint, the configuration and a digest of every example, so that a
 * mismatch can say what differs); then, in the order they happened, a record per chain update of
 * the current batch (its state, and only the history records and saved labelings added since the
 * chain's previous record: {@code historyFrom} and {@code savedFrom} say how many of the earlier
 * ones it keeps) and a record per finished batch (written once). Records are numbered ({@code
 * seq}).
 *
 * <p>A write appends one line; no write rewrites what is there, so the cost of a chain update
 * does not grow with the history. When the lines appended since the file was last written whole
 * exceed what it held then (and 1 MiB), the file is <i>compacted</i>: the live state (the header,
 * the finished batches, each chain's latest state in full) goes to a temporary file in the same
 * directory, which is forced to disk and moved over the file (atomically where the file system
 * can), and the directory is forced. So is the file when it is created and when the last batch is
 * finished. Appends are forced to disk at the end of each batch, when a chain is cancelled, and
 * when the store closes; a chain update in between is in the operating system's cache (safe if
 * the process dies; after a power loss the file may end before it, or in a torn line). A torn last
 * line, which the reader ignores, is cut off when the store opens, and temporary files a crash
 * left are deleted.
 *
 * <p>One run at a time: the store holds a {@link CheckpointLock} on a sibling {@code <file>.lock}
 * from {@link #open} to {@link #close}, so a second run on the same file, in this JVM or another,
 * is refused at once, before it touches anything; the stale temporary files are only removed once
 * the lock is held, when no live run can own them.
 *
 * <p>Once the last batch is finished the run's result is complete, and no write failure throws it
 * away: when the final compaction fails (a directory made read-only or full during the run) the
 * batch is appended instead, and when that fails too a warning is logged ({@code System.Logger}
 * {@code org.icm4j.internal.checkpoint.CheckpointStore}) and a resume redoes the last batch.
 */
public final class CheckpointStore implements AutoCloseable {
  /** Compaction happens once the appended lines exceed max(this, the size at the last compaction). */
  static final long MIN_COMPACTION_BYTES = 1 << 20;

  private static final System.Logger LOG = System.getLogger(CheckpointStore.class.getName());

  /** What the run expects of a checkpoint it resumes: everything a record is checked against. */
  public record Expected(
      String fingerprint,
      Map<String, String> configuration,
      List<ExampleDigest> examples,
      List<List<String>> batches,
      LabelSpace labelSpace,
      int chains,
      double alpha,
      long seed,
      int maxIterations,
      boolean historyIsIterations) {
    /**
     * Checks the components and copies the collections.
     *
     * @param fingerprint the fingerprint
     * @param configuration the configuration
     * @param examples the examples
     * @param batches the batches
     * @param labelSpace the label space
     * @param chains the chains
     * @param alpha the alpha
     * @param seed the seed
     * @param maxIterations the max iterations
     * @param historyIsIterations the history is iterations
     */
    public Expected {
      configuration = Map.copyOf(configuration);
      examples = List.copyOf(examples);
      batches = List.copyOf(batches);
    }
  }

  /**
   * An example as the header keeps it: its id and 8 hex digits of a digest of its prompt, of its
   * group and of its attributes (enough to say which one differs).
   */
  public record ExampleDigest(String id, String prompt, String group, String attributes) {}

  /**
   * A finished batch: its summary, labels (batch order, -1 unlabelled), work and label details.
   *
   * @param summary the batch's summary
   * @param labels its labels, in the order of the summary's example ids ({@code -1}: unlabelled)
   * @param counts its work
   * @param details one per labelled example, in id order
   */
  public record FinishedBatch(BatchSummary summary, int[] labels, RunCounts counts, List<LabelDetail> details) {}

  /**
   * A chain of the current batch: finished ({@code done}) or its last saved state. It is what the
   * chain's strategy saved ({@code checkpoint}, the SPI's own type, not a copy of its fields) with
   * what the engine adds: the chain's index and seed, whether it is done, which saved labeling a
   * done chain returned ({@code bestEnd}, -1: none), its generator's state and its scorer
   * counters. The accessors below read the checkpoint's fields. Immutable.
   *
   * @param chain the chain's index in its batch
   * @param seed the chain's seed
   * @param done whether the chain finished
   * @param checkpoint what its strategy saved (a done chain: its outcome; {@code saved} holds where
   *     its starts ended)
   * @param bestEnd the saved labeling a done chain returned, or -1
   * @param rng the state of the chain's random generator
   * @param calls scorer calls so far
   * @param queries scored queries so far
   * @param tokens tokens scored so far
   */
  public record ChainData(
      int chain,
      long seed,
      boolean done,
      ChainCheckpoint checkpoint,
      int bestEnd,
      long rng,
      long calls,
      long queries,
      long tokens) {

    /**
     * A chain's entry from what its strategy saved, its generator's state and its counters; a done
     * chain's {@code saved} holds where its starts ended, {@code bestEnd} the one it returned.
     *
     * @param chain the chain
     * @param seed the seed
     * @param done the done
     * @param cp the cp
     * @param bestEnd the best end
     * @param rng the rng
     * @param counters the counters
     * @return A chain's entry from what its strategy saved, its generator's state and its counters
     */
    public static ChainData of(
        int chain, long seed, boolean done, ChainCheckpoint cp, int bestEnd, long rng, long[] counters) {
      return new ChainData(chain, seed, done, cp, bestEnd, rng, counters[0], counters[1], counters[2]);
    }

    /**
     * Iterations completed.
     *
     * @return iterations completed
     */
    public int iteration() {
      return checkpoint.iteration();
    }

    /**
     * Accepted moves so far.
     *
     * @return accepted moves so far
     */
    public int accepted() {
      return checkpoint.accepted();
    }

    /**
     * The current labeling (a copy).
     *
     * @return the current labeling (a copy)
     */
    public int[] labels() {
      return checkpoint.labels();
    }

    /**
     * P of the current labeling.
     *
     * @return P of the current labeling
     */
    public double mutualPredictability() {
      return checkpoint.mutualPredictability();
    }

    /**
     * The iterations so far.
     *
     * @return the iterations so far
     */
    public List<IterationRecord> history() {
      return checkpoint.history();
    }

    /**
     * The best labeling visited (a copy; empty when the strategy keeps none).
     *
     * @return the best labeling visited (a copy
     */
    public int[] bestLabels() {
      return checkpoint.bestLabels();
    }

    /**
     * P of the best labeling visited.
     *
     * @return P of the best labeling visited
     */
    public double bestMutualPredictability() {
      return checkpoint.bestMutualPredictability();
    }

    /**
     * The labelings the strategy saved.
     *
     * @return the labelings the strategy saved
     */
    public List<ChainCheckpoint.Saved> saved() {
      return checkpoint.saved();
    }
  }

  // ------------------------------------------------------------------ state

  private final Path file;
  private final Expected expected;
  private final List<FinishedBatch> finished = new ArrayList<>();
  private int currentBatch;
  /** The latest state of each chain of the current batch, as written. */
  private final Map<Integer, ChainData> chains = new TreeMap<>();
  private final MessageDigest sha256 = CheckpointLines.sha256();
  /** Open for appending, or {@code null}. Streams, not channels: an interrupt must not close them. */
  private @Nullable FileOutputStream out;
  private int nextSeq;
  /** Bytes of the file when it was last written whole, and bytes appended since. */
  private long compactedBytes;
  private long appendedBytes;
  /** Held from {@link #open} to {@link #close}: no other run, in this JVM or another, uses the file. */
  private @Nullable CheckpointLock lock;
  /** Whether the last batch was finished: from then on a write failure no longer fails the run. */
  private boolean complete;

  private CheckpointStore(Path file, Expected expected) {
    this.file = file;
    this.expected = expected;
  }

  /**
   * Opens a checkpoint: removes temporary files a crashed write of it left, loads and checks the
   * file when it exists, else creates it with its header.
   *
   * @param file the file
   * @param expected the expected
   * @return opens a checkpoint
   */
  public static CheckpointStore open(Path file, Expected expected) {
    CheckpointStore store = new CheckpointStore(file, expected);
    synchronized (store) {
      store.lock = CheckpointLock.acquire(file);
      try {
        // only now: no live run owns this checkpoint, so every temporary file of it is stale
        store.removeStaleTemporaries();
        if (Files.exists(file)) {
          store.load(CheckpointReader.read(file, expected));
        } else {
          store.compact();
        }
      } catch (RuntimeException | Error e) {
        store.lock.close();
        throw e;
      }
    }
    return store;
  }

  /**
   * See the class description.
   *
   * @return see the class description
   */
  public synchronized List<FinishedBatch> finished() {
    return List.copyOf(finished);
  }

  /**
   * The saved state of a chain of the given batch, if any.
   *
   * @param batch the batch
   * @param chain the chain
   * @return the saved state of a chain of the given batch, if any
   */
  public synchronized @Nullable ChainData chain(int batch, int chain) {
    return batch == currentBatch ? chains.get(chain) : null;
  }

  /**
   * Appends a chain's state (what changed since its previous record); forced to disk when {@code
   * durable} (a cancelled chain).
   *
   * @param batch the batch
   * @param data the data
   * @param durable the durable
   */
  public synchronized void updateChain(int batch, ChainData data, boolean durable) {
    if (batch != currentBatch) {
      chains.clear();
      currentBatch = batch;
    }
    ChainData before = chains.get(data.chain());
    int historyFrom = before == null ? 0 : commonPrefix(before.history(), data.history());
    int savedFrom = before == null ? 0 : commonPrefix(before.saved(), data.saved());
    chains.put(data.chain(), data);
    append(ChainLine.of(nextSeq, batch, data, historyFrom, savedFrom), durable);
  }

  /**
   * Appends a finished batch and forces the file to disk; compacts after the last batch.
   *
   * @param batch the batch
   */
  public synchronized void finishBatch(FinishedBatch batch) {
    finished.add(batch);
    chains.clear();
    currentBatch = batch.summary().index() + 1;
    if (finished.size() == expected.batches().size()) {
      complete = true;
      finishLastBatch(batch);
      return;
    }
    append(BatchLine.of(nextSeq, batch), true);
  }

  /**
   * Records the last batch: the file is compacted to the header and the batches. The run's result
   * is finished by now, so a failure here (a directory made read-only or full during the run) does
   * not throw it away: the batch is appended to the file as it is (possible in a read-only
   * directory, whose files stay writable), and when even that fails the run goes on with a logged
   * warning; a resume from the file then redoes the last batch.
   */
  private void finishLastBatch(FinishedBatch batch) {
    try {
      compact();
      return;
    } catch (CheckpointException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot compact checkpoint " + file + " after the last batch (" + e.getCause()
              + "); appending the batch to it instead; the run's result is returned");
    }
    try {
      append(BatchLine.of(nextSeq, batch), true);
    } catch (CheckpointException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot record the last batch in checkpoint " + file + " (" + e.getCause()
              + "): the run's result is returned, but a run resumed from this file redoes the last"
              + " batch; make the directory and the file writable to keep it");
    }
  }

  /**
   * See the class description.
   *
   * @return see the class description
   */
  public Path file() {
    return file;
  }

  /**
   * Forces what was appended to disk and closes the file. After the last batch a failure is
   * logged, not thrown: the run's result is finished and is returned.
   */
  @Override
  public synchronized void close() {
    if (out == null) {
      releaseLock();
      return;
    }
    try {
      out.getFD().sync();
    } catch (IOException e) {
      if (!complete) {
        throw writeFailed(e);
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot force checkpoint " + file + " to disk after the last batch (" + e
              + "): the run's result is returned; a resume from the file may redo the last batch");
    } finally {
      try {
        out.close();
      } catch (IOException ignored) {
        // nothing more to do: the data was forced or the failure reported
      }
      out = null;
      releaseLock();
    }
  }

  private void releaseLock() {
    if (lock != null) {
      lock.close();
      lock = null;
    }
  }

  /**
   * Length of the longest common prefix of two lists (the same objects, or equal ones). A list
   * that only grew shares its elements with the one before, so each comparison is an identity
   * check: cheap next to the copy of the history each {@link ChainCheckpoint} makes.
   */
  private static <T> int commonPrefix(List<T> a, List<T> b) {
    int n = Math.min(a.size(), b.size());
    int i = 0;
    while (i < n && same(a.get(i), b.get(i))) {
      i++;
    }
    return i;
  }

  private static boolean same(Object x, Object y) {
    return x == y || x.equals(y);
  }

  // ------------------------------------------------------------------ writing

  private void append(Object record, boolean durable) {
    byte[] bytes = CheckpointLines.encode(record, sha256);
    try {
      if (out == null) {
        out = new FileOutputStream(file.toFile(), true);
      }
      out.write(bytes);
      if (durable) {
        out.getFD().sync();
      }
    } catch (IOException e) {
      throw writeFailed(e);
    }
    nextSeq++;
    appendedBytes += bytes.length;
    if (appendedBytes > Math.max(compactedBytes, MIN_COMPACTION_BYTES)) {
      compact();
    }
  }

  /**
   * Writes the live state to a temporary file, forces it, moves it over the file and forces the
   * directory: a reader sees the old file or the new one, never a mix.
   */
  private void compact() {
    Path dir = AtomicFiles.parent(file);
    Path tmp = null;
    try {
      if (out != null) {
        out.close();
        out = null;
      }
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, file.getFileName().toString() + ".", ".tmp");
      long bytes = 0;
      int seq = 0;
      try (FileOutputStream o = new FileOutputStream(tmp.toFile())) {
        List<Object> records = new ArrayList<>();
        records.add(HeaderLine.of(expected));
        seq++;
        for (FinishedBatch b : finished) {
          records.add(BatchLine.of(seq++, b));
        }
        for (ChainData c : chains.values()) {
          records.add(ChainLine.of(seq++, currentBatch, c, 0, 0));
        }
        for (Object r : records) {
          byte[] line = CheckpointLines.encode(r, sha256);
          o.write(line);
          bytes += line.length;
        }
        o.getFD().sync();
      }
      AtomicFiles.replace(tmp, file, dir);
      tmp = null;
      nextSeq = seq;
      compactedBytes = bytes;
      appendedBytes = 0;
    } catch (IOException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          e.addSuppressed(ignored);
        }
      }
      throw writeFailed(e);
    }
  }



  private CheckpointException writeFailed(IOException e) {
    return new CheckpointException(
        "cannot write checkpoint " + file + ": " + e + " (check the directory exists and is writable)", e);
  }

  /** Deletes the temporary files an interrupted write of this checkpoint left in its directory. */
  private void removeStaleTemporaries() {
    // this version's names (file.<digits>.tmp) and the format-2 writer's (file<digits>.tmp)
    AtomicFiles.removeStaleTemporaries(file, "\\.?[0-9]+\\.tmp", "checkpoint " + file);
  }


  // ------------------------------------------------------------------ reading

  /** Takes the state a {@link CheckpointReader} read and checked, cutting off a torn last line. */
  private void load(CheckpointReader.Loaded loaded) {
    try {
      if (Files.size(file) > loaded.length()) {
        truncate(loaded.length());
      }
    } catch (IOException e) {
      throw writeFailed(e);
    }
    finished.addAll(loaded.finished());
    currentBatch = loaded.currentBatch();
    chains.putAll(loaded.chains());
    nextSeq = loaded.nextSeq();
    compactedBytes = loaded.length();
    appendedBytes = 0;
  }

  private void truncate(long length) {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(length);
      f.getFD().sync();
    } catch (IOException e) {
      throw writeFailed(e);
    }
  }
}
