package org.icm4j.internal;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.icm4j.result.BatchSummary;
import org.icm4j.CheckpointException;
import org.icm4j.result.IterationRecord;
import org.icm4j.result.LabelDetail;
import org.icm4j.LabelSpace;
import org.icm4j.result.RunCounts;
import org.icm4j.internal.CheckpointLines.BatchLine;
import org.icm4j.internal.CheckpointLines.ChainLine;
import org.icm4j.internal.CheckpointLines.HeaderLine;
import org.icm4j.internal.CheckpointLines.SavedLine;
import org.icm4j.spi.search.ChainCheckpoint;
import org.jspecify.annotations.Nullable;

/**
 * A run's checkpoint file: a journal of records, read and checked when a run starts ({@link
 * CheckpointReader}) and appended to as chains progress. Thread-safe (every method is
 * synchronized).
 *
 * <p>Format {@value #FORMAT}; its lines are {@link CheckpointLines}. The first record is the
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
 * {@code org.icm4j.internal.CheckpointStore}) and a resume redoes the last batch.
 */
final class CheckpointStore implements AutoCloseable {
  static final int FORMAT = 3;

  /** Compaction happens once the appended lines exceed max(this, the size at the last compaction). */
  static final long MIN_COMPACTION_BYTES = 1 << 20;

  private static final System.Logger LOG = System.getLogger(CheckpointStore.class.getName());

  /** What the run expects of a checkpoint it resumes: everything a record is checked against. */
  record Expected(
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
    Expected {
      configuration = Map.copyOf(configuration);
      examples = List.copyOf(examples);
      batches = List.copyOf(batches);
    }
  }

  /**
   * An example as the header keeps it: its id and 8 hex digits of a digest of its prompt, of its
   * group and of its attributes (enough to say which one differs).
   */
  record ExampleDigest(String id, String prompt, String group, String attributes) {}

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
   */
  static CheckpointStore open(Path file, Expected expected) {
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

  synchronized List<FinishedBatch> finished() {
    return List.copyOf(finished);
  }

  /** The saved state of a chain of the given batch, if any. */
  synchronized @Nullable ChainData chain(int batch, int chain) {
    return batch == currentBatch ? chains.get(chain) : null;
  }

  /**
   * Appends a chain's state (what changed since its previous record); forced to disk when {@code
   * durable} (a cancelled chain).
   */
  synchronized void updateChain(int batch, ChainData data, boolean durable) {
    if (batch != currentBatch) {
      chains.clear();
      currentBatch = batch;
    }
    ChainData before = chains.get(data.chain());
    int historyFrom = before == null ? 0 : commonPrefix(before.history(), data.history());
    int savedFrom = before == null ? 0 : commonPrefix(before.saved(), data.saved());
    chains.put(data.chain(), data);
    append(chainLine(nextSeq, batch, data, historyFrom, savedFrom), durable);
  }

  /** Appends a finished batch and forces the file to disk; compacts after the last batch. */
  synchronized void finishBatch(FinishedBatch batch) {
    finished.add(batch);
    chains.clear();
    currentBatch = batch.summary().index() + 1;
    if (finished.size() == expected.batches().size()) {
      complete = true;
      finishLastBatch(batch);
      return;
    }
    append(batchLine(nextSeq, batch), true);
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
      append(batchLine(nextSeq, batch), true);
    } catch (CheckpointException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot record the last batch in checkpoint " + file + " (" + e.getCause()
              + "): the run's result is returned, but a run resumed from this file redoes the last"
              + " batch; make the directory and the file writable to keep it");
    }
  }

  Path file() {
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

  private ChainLine chainLine(int seq, int batch, ChainData d, int historyFrom, int savedFrom) {
    List<SavedLine> saved = new ArrayList<>(d.saved().size() - savedFrom);
    for (ChainCheckpoint.Saved s : d.saved().subList(savedFrom, d.saved().size())) {
      saved.add(new SavedLine(s.labels(), s.mutualPredictability()));
    }
    return new ChainLine(
        seq, "chain", batch, d.chain(), d.seed(), d.done(), d.iteration(), d.accepted(), d.labels(),
        d.mutualPredictability(), d.bestLabels(), d.bestMutualPredictability(), historyFrom,
        d.history().subList(historyFrom, d.history().size()), savedFrom, saved, d.bestEnd(), d.rng(),
        d.calls(), d.queries(), d.tokens());
  }

  private static BatchLine batchLine(int seq, FinishedBatch b) {
    return new BatchLine(seq, "batch", b.summary().index(), b.summary(), b.labels(), b.counts(), b.details());
  }

  private HeaderLine headerLine() {
    List<List<String>> examples = new ArrayList<>(expected.examples().size());
    for (ExampleDigest e : expected.examples()) {
      examples.add(List.of(e.id(), e.prompt(), e.group(), e.attributes()));
    }
    return new HeaderLine(0, "header", FORMAT, expected.fingerprint(), new TreeMap<>(expected.configuration()), examples);
  }

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
    Path dir = file.toAbsolutePath().getParent();
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
        records.add(headerLine());
        seq++;
        for (FinishedBatch b : finished) {
          records.add(batchLine(seq++, b));
        }
        for (ChainData c : chains.values()) {
          records.add(chainLine(seq++, currentBatch, c, 0, 0));
        }
        for (Object r : records) {
          byte[] line = CheckpointLines.encode(r, sha256);
          o.write(line);
          bytes += line.length;
        }
        o.getFD().sync();
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
      forceDirectory(dir);
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

  /**
   * Forces a directory entry to disk where the platform allows opening a directory (not Windows).
   * A channel is closed by an interrupt, so the thread's interrupt flag is put aside meanwhile.
   */
  static void forceDirectory(Path dir) {
    boolean interrupted = Thread.interrupted();
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // the file system cannot force a directory (or an interrupt came meanwhile): the move is
      // all it offers
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private CheckpointException writeFailed(IOException e) {
    return new CheckpointException(
        "cannot write checkpoint " + file + ": " + e + " (check the directory exists and is writable)", e);
  }

  /** Deletes the temporary files an interrupted write of this checkpoint left in its directory. */
  private void removeStaleTemporaries() {
    // this version's names (file.<digits>.tmp) and the format-2 writer's (file<digits>.tmp)
    removeStaleTemporaries(file, "\\.?[0-9]+\\.tmp", "checkpoint " + file);
  }

  /**
   * Deletes the regular files next to {@code file} named {@code file}'s name followed by {@code
   * suffix} (a regular expression): the temporary files an interrupted atomic write left. A failure
   * to list or delete is logged, not thrown.
   *
   * @param what the file, for the log
   */
  static void removeStaleTemporaries(Path file, String suffix, String what) {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      return;
    }
    Pattern stale = Pattern.compile(Pattern.quote(file.getFileName().toString()) + suffix);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (stale.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot remove stale temporary files of " + what + ": " + e);
    }
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
