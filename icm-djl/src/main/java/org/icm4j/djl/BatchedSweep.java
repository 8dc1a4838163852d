package org.icm4j.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.icm4j.IcmException;
import org.icm4j.LabelSpace;
import org.icm4j.text.LabelLogProbs;
import org.jspecify.annotations.Nullable;

/**
 * Runs a tree of token reads on a {@link BlockLm} in batched forwards: the batched path of {@link
 * DjlScorer}. Each node reads its tokens after its parent's (a leave-one-out plan's extensions and
 * queries, a query's multi-token label); a node's keys and values are kept while a descendant
 * still needs them, and nodes whose parents have been read are run together, as many as fit in
 * {@code maxBatchTokens} (padded: nodes times the longest node's tokens), earliest in the plan
 * first. A node longer than the budget is read in pieces of at most the budget, one after the
 * other (the same result: a causal model reads a sequence in any split the same way). The LM head
 * is computed only for rows whose label log-probability is read.
 *
 * <p>Not thread-safe: one run per call of the scorer, on the scorer's thread.
 */
final class BatchedSweep {

  /** One read: tokens after the parent's context. */
  static final class Node {
    final int order;
    final long[] tokens;
    final @Nullable Node parent;
    final int start;
    /** Example and label whose log-probability this node's rows give, or -1. */
    int query = -1;
    int label = -1;
    /** For a query node: it reads the first label token of every label from its last row. */
    boolean firstLabelTokens;
    /** For a label node: the label's tokens (rows 0.. give tokens 1..). */
    long @Nullable [] labelTokens;
    final List<Node> children = new ArrayList<>();
    int liveChildren;
    GptBlock.@Nullable Segment segment;
    @Nullable NDManager manager;
    boolean kept;

    Node(int order, long[] tokens, @Nullable Node parent) {
      this.order = order;
      this.tokens = tokens;
      this.parent = parent;
      this.start = parent == null ? 0 : parent.start + parent.tokens.length;
    }

    int end() {
      return start + tokens.length;
    }
  }

  private final BlockLm model;
  private final int maxBatchTokens;
  private final List<Node> roots = new ArrayList<>();
  private int created;
  private long tokens;
  private int forwards;
  private long cachedTokens;
  private long peakCachedTokens;

  BatchedSweep(BlockLm model, int maxBatchTokens) {
    this.model = model;
    this.maxBatchTokens = maxBatchTokens;
  }

  /**
   * Adds a read of {@code ids} after {@code parent} (split into pieces of at most the budget);
   * returns the node of its last piece, or {@code parent} itself when {@code ids} is empty.
   */
  @Nullable Node read(@Nullable Node parent, long[] ids) {
    Node at = parent;
    for (int from = 0; from < ids.length; from += maxBatchTokens) {
      at = add(at, Arrays.copyOfRange(ids, from, Math.min(ids.length, from + maxBatchTokens)));
    }
    return at;
  }

  private Node add(@Nullable Node parent, long[] ids) {
    Node node = new Node(created++, ids, parent);
    if (parent == null) {
      roots.add(node);
    } else {
      parent.children.add(node);
    }
    return node;
  }

  /**
   * Adds the query of example {@code query}: {@code ids} (its prompt, after any demonstrations of
   * its own) after {@code parent}, its last row reading every label's first token, and one node
   * per label of several tokens for the rest of that label.
   */
  void query(@Nullable Node parent, long[] ids, int query, long[][] labels) {
    Node last = java.util.Objects.requireNonNull(read(parent, ids), "a query needs tokens");
    last.query = query;
    last.firstLabelTokens = true;
    for (int k = 0; k < labels.length; k++) {
      if (labels[k].length > 1) {
        Node rest = add(last, Arrays.copyOf(labels[k], labels[k].length - 1));
        rest.query = query;
        rest.label = k;
        rest.labelTokens = labels[k];
      }
    }
  }

  /** Token-forwards of the last {@link #run}: every node's tokens once (no padding). */
  long tokens() {
    return tokens;
  }

  /**
   * The most tokens whose keys and values were kept at once during the last {@link #run} (or
   * {@link #peakCachedTokensWithoutModel}): the sweep's cache memory is this times {@code 2 x
   * layers x embedding} floats.
   */
  long peakCachedTokens() {
    return peakCachedTokens;
  }

  /**
   * Runs the schedule without the model and returns {@link #peakCachedTokens()}: what a sweep
   * keeps depends only on the plan, the token counts and the budget.
   */
  long peakCachedTokensWithoutModel() {
    run(null, 0, LabelSpace.binary(), new long[0][], new String[0]);
    return peakCachedTokens;
  }

  /** Batched forwards of the last {@link #run}. */
  int forwards() {
    return forwards;
  }

  /**
   * Runs every node and returns the label log-probabilities: element {@code [i][k]} for query
   * {@code i} and label {@code k} (summed over the label's tokens, normalized over the vocabulary).
   *
   * @param call owns every array of the run; closed by the caller
   */
  double[][] run(@Nullable NDManager call, int queries, LabelSpace space, long[][] labels, String[] ids) {
    double[][] rows = new double[queries][space.size()];
    for (Node n : allNodes()) {
      n.liveChildren = n.children.size();
    }
    TreeSet<Node> ready = new TreeSet<>(Comparator.comparingInt(n -> n.order));
    ready.addAll(roots);
    while (!ready.isEmpty()) {
      List<Node> batch = new ArrayList<>();
      int width = 0;
      for (Node n : ready) {
        int w = Math.max(width, n.tokens.length);
        if (batch.isEmpty() || (long) (batch.size() + 1) * w <= maxBatchTokens) {
          batch.add(n);
          width = w;
        }
      }
      ready.removeAll(batch); // batch is in plan order: sequences that share a parent are adjacent
      if (call != null) {
        runBatch(call, batch, rows, labels, ids, space);
      }
      for (Node n : batch) {
        if (!n.children.isEmpty()) {
          n.kept = true;
          cachedTokens += n.tokens.length;
        }
      }
      peakCachedTokens = Math.max(peakCachedTokens, cachedTokens);
      for (Node n : batch) {
        ready.addAll(n.children);
        if (n.children.isEmpty()) {
          released(n);
        }
      }
    }
    return rows;
  }

  private void runBatch(
      NDManager call, List<Node> batch, double[][] rows, long[][] labels, String[] ids, LabelSpace space) {
    int b = batch.size();
    long[][] toks = new long[b][];
    GptBlock.@Nullable Segment[] parents = new GptBlock.Segment[b];
    NDManager[] managers = new NDManager[b];
    int[][] read = new int[b][];
    for (int s = 0; s < b; s++) {
      Node n = batch.get(s);
      toks[s] = n.tokens;
      parents[s] = n.parent == null ? null : n.parent.segment;
      if (!n.children.isEmpty()) {
        n.manager = call.newSubManager();
        managers[s] = n.manager;
      }
      if (n.firstLabelTokens) {
        read[s] = new int[] {n.tokens.length - 1};
      } else if (n.labelTokens != null) {
        read[s] = new int[n.tokens.length];
        for (int j = 0; j < n.tokens.length; j++) {
          read[s][j] = j;
        }
      } else {
        read[s] = new int[0];
      }
      tokens += n.tokens.length;
    }
    forwards++;
    try (NDManager m = call.newSubManager()) {
      GptBlock.SegmentResult out = model.forwardBatch(m, toks, parents, managers, read);
      NDArray logits = out.logits();
      int row = 0;
      for (int s = 0; s < b; s++) {
        Node n = batch.get(s);
        n.segment = out.segments()[s];
        if (n.firstLabelTokens) {
          float[] r = logits.get(row++).toFloatArray();
          for (int k = 0; k < labels.length; k++) {
            rows[n.query][k] += LabelLogProbs.logSoftmax(r, 0, r.length, (int) labels[k][0]);
          }
        } else if (n.labelTokens != null) {
          for (int j = 1; j < n.labelTokens.length; j++) {
            float[] r = logits.get(row++).toFloatArray();
            rows[n.query][n.label] += LabelLogProbs.logSoftmax(r, 0, r.length, (int) n.labelTokens[j]);
          }
        }
      }
    }
    for (Node n : batch) {
      if (n.query >= 0 && (n.firstLabelTokens || n.labelTokens != null)) {
        for (int k = 0; k < labels.length; k++) {
          if (!Double.isFinite(rows[n.query][k]) && (n.labelTokens == null || k == n.label)) {
            throw new IcmException(
                "the model gave label '" + space.name(k) + "' of example '" + ids[n.query]
                    + "' a log-probability of " + rows[n.query][k]
                    + ": the model's logits are not finite",
                ids[n.query],
                null);
          }
        }
      }
    }
  }

  /** A node no descendant needs any more: free its keys and values, and tell its parent. */
  private void released(Node n) {
    for (Node at = n; at != null; at = at.parent) {
      if (at.liveChildren > 0) {
        return;
      }
      if (at.manager != null) {
        at.manager.close();
        at.manager = null;
        at.segment = null;
      }
      if (at.kept) {
        at.kept = false;
        cachedTokens -= at.tokens.length;
      }
      if (at.parent != null) {
        at.parent.liveChildren--;
      }
    }
  }

  private List<Node> allNodes() {
    List<Node> all = new ArrayList<>();
    List<Node> stack = new ArrayList<>(roots);
    while (!stack.isEmpty()) {
      Node n = stack.remove(stack.size() - 1);
      all.add(n);
      stack.addAll(n.children);
    }
    return all;
  }
}
