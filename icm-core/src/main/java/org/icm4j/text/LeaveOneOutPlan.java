package org.icm4j.text;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ScoreRequest;

/**
 * The token-forward segments a scorer runs for one leave-one-out call of {@code n} examples in a
 * given {@link LeaveOneOutOrder}, so that every adapter (DJL, HTTP, ONNX) runs the same plan and
 * gives each query the same context. Immutable and thread-safe.
 *
 * <p>A plan is a list of {@link Step steps} over <em>states</em>: a state is a context the model
 * has read (its keys and values, for a model with a cache). State {@link #EMPTY} is the empty
 * context. The steps, executed in order:
 *
 * <ul>
 *   <li>{@link Extend}: read the demonstrations of {@code examples}, in order, after state {@code
 *       parent}, giving the new state {@code state} (states are numbered 1, 2, ... in the order they
 *       are made). The parent stays valid.
 *   <li>{@link Query}: read the demonstrations of {@code examples} and then the prompt of example
 *       {@code query} after state {@code parent}, and score the labels of {@code query}. The
 *       demonstrations are read for this query only.
 *   <li>{@link Release}: state {@code state} is not used again; its memory can be freed.
 * </ul>
 *
 * <p>A scorer without a key/value cache runs the same plan by reading a state's examples again
 * (the tokens are the same; only the work differs). {@link #contexts()} is what the steps amount
 * to: the context of each query, in order, which the scorer's {@code leaveOneOutRequests} returns.
 *
 * <pre>{@code
 * LeaveOneOutPlan plan = LeaveOneOutPlan.of(LeaveOneOutOrder.DIVIDE_AND_CONQUER, labelled.size());
 * for (LeaveOneOutPlan.Step step : plan.steps()) {
 *   if (step instanceof LeaveOneOutPlan.Extend e) { ... } // forward demos of e.examples() after e.parent()
 *   else if (step instanceof LeaveOneOutPlan.Query q) { ... } // forward demos + prompt, score labels
 *   else if (step instanceof LeaveOneOutPlan.Release r) { ... } // free r.state()
 * }
 * }</pre>
 */
public final class LeaveOneOutPlan {

  /** The state of the empty context. */
  public static final int EMPTY = 0;

  /** One step of a plan: {@link Extend}, {@link Query} or {@link Release}. */
  public sealed interface Step permits Extend, Query, Release {}

  /**
   * Read the demonstrations of {@code examples} after state {@code parent}, making state {@code
   * state}.
   *
   * @param state the new state's number (greater than every earlier state's)
   * @param parent the state read before (or {@link #EMPTY})
   * @param examples indices (into the leave-one-out list) of the demonstrations, in reading order;
   *     at least one
   */
  public record Extend(int state, int parent, List<Integer> examples) implements Step {
    /**
     * Copies the list.
     *
     * @param state the new state's number (greater than every earlier state's)
     * @param parent the state read before (or {@link #EMPTY})
     * @param examples indices (into the leave-one-out list) of the demonstrations, in reading
     *     order; at least one
     */
    public Extend {
      examples = List.copyOf(examples);
      if (examples.isEmpty() || state <= parent) {
        throw new IllegalArgumentException(
            "an extension needs examples and a state after its parent, but was state " + state
                + ", parent " + parent + ", examples " + examples);
      }
    }
  }

  /**
   * Read the demonstrations of {@code examples}, then the prompt of {@code query}, after state
   * {@code parent}, and score the labels of {@code query}.
   *
   * @param query the index of the query example
   * @param parent the state read before (or {@link #EMPTY})
   * @param examples indices of demonstrations read for this query only, in order; may be empty
   */
  public record Query(int query, int parent, List<Integer> examples) implements Step {
    /**
     * Copies the list.
     *
     * @param query the index of the query example
     * @param parent the state read before (or {@link #EMPTY})
     * @param examples indices (into the leave-one-out list) of the demonstrations, in reading
     *     order; at least one
     */
    public Query {
      examples = List.copyOf(examples);
    }
  }

  /**
   * State {@code state} is used by no later step.
   *
   * @param state a state made by an earlier {@link Extend}
   */
  public record Release(int state) implements Step {}

  private final LeaveOneOutOrder order;
  private final int n;
  private final List<Step> steps;
  private final List<List<Integer>> contexts;

  private LeaveOneOutPlan(LeaveOneOutOrder order, int n, List<Step> steps) {
    this.order = order;
    this.n = n;
    this.steps = List.copyOf(steps);
    this.contexts = unfold(n, this.steps);
  }

  /**
   * The plan of {@code order} for {@code n} examples (indices {@code 0..n-1}, the order of the
   * leave-one-out list).
   *
   * @param order the order
   * @param n the number of examples, at least 1
   * @return the plan
   * @throws IllegalArgumentException when {@code n < 1}
   */
  public static LeaveOneOutPlan of(LeaveOneOutOrder order, int n) {
    requireNonNull(order, "order");
    if (n < 1) {
      throw new IllegalArgumentException(
          "a leave-one-out plan needs at least 1 example, but was asked for " + n);
    }
    List<Step> steps = new ArrayList<>();
    switch (order) {
      case PLAIN:
        for (int i = 0; i < n; i++) {
          steps.add(new Query(i, EMPTY, others(n, i)));
        }
        break;
      case SHARED_PREFIX:
        int prefix = EMPTY;
        for (int i = 0; i < n; i++) {
          steps.add(new Query(i, prefix, range(i + 1, n)));
          if (i < n - 1) {
            int next = i + 1;
            steps.add(new Extend(next, prefix, List.of(i)));
            if (prefix != EMPTY) {
              steps.add(new Release(prefix));
            }
            prefix = next;
          }
        }
        if (prefix != EMPTY) {
          steps.add(new Release(prefix));
        }
        break;
      case DIVIDE_AND_CONQUER:
        divide(steps, new int[] {EMPTY}, EMPTY, 0, n);
        break;
      default:
        throw new AssertionError(order);
    }
    return new LeaveOneOutPlan(order, n, steps);
  }

  private static void divide(List<Step> steps, int[] last, int parent, int lo, int hi) {
    if (hi - lo == 1) {
      steps.add(new Query(lo, parent, List.of()));
      return;
    }
    int mid = (lo + hi) >>> 1;
    int right = ++last[0];
    steps.add(new Extend(right, parent, range(mid, hi)));
    divide(steps, last, right, lo, mid);
    steps.add(new Release(right));
    int left = ++last[0];
    steps.add(new Extend(left, parent, range(lo, mid)));
    divide(steps, last, left, mid, hi);
    steps.add(new Release(left));
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> r = new ArrayList<>(Math.max(0, to - from));
    for (int i = from; i < to; i++) {
      r.add(i);
    }
    return r;
  }

  private static List<Integer> others(int n, int i) {
    List<Integer> r = range(0, n);
    r.remove(i);
    return r;
  }

  /** Follows the steps: the examples each state holds, and each query's whole context. */
  private static List<List<Integer>> unfold(int n, List<Step> steps) {
    List<List<Integer>> states = new ArrayList<>();
    states.add(List.of()); // EMPTY
    List<List<Integer>> contexts = new ArrayList<>(Collections.nCopies(n, null));
    for (Step step : steps) {
      if (step instanceof Extend e) {
        List<Integer> held = new ArrayList<>(states.get(e.parent()));
        held.addAll(e.examples());
        while (states.size() <= e.state()) {
          states.add(null);
        }
        states.set(e.state(), List.copyOf(held));
      } else if (step instanceof Query q) {
        List<Integer> context = new ArrayList<>(states.get(q.parent()));
        context.addAll(q.examples());
        contexts.set(q.query(), List.copyOf(context));
      }
    }
    for (int i = 0; i < n; i++) {
      if (contexts.get(i) == null) {
        throw new AssertionError("plan without a query for example " + i + ": " + steps);
      }
    }
    return List.copyOf(contexts);
  }

  /**
   * The order this plan runs.
   *
   * @return the order this plan runs
   */
  public LeaveOneOutOrder order() {
    return order;
  }

  /**
   * The number of examples.
   *
   * @return the number of examples
   */
  public int size() {
    return n;
  }

  /**
   * The steps, in execution order.
   *
   * @return the steps, in execution order
   */
  public List<Step> steps() {
    return steps;
  }

  /**
   * What the steps give each query: element {@code i} is the context of query {@code i}, the
   * indices of its demonstrations in reading order.
   *
   * @return what the steps give each query
   */
  public List<List<Integer>> contexts() {
    return contexts;
  }

  /**
   * The explicit requests the plan stands for (what a scorer's {@code leaveOneOutRequests}
   * returns): request {@code i} queries {@code labelled.get(i)} after the demonstrations of {@link
   * #contexts()}{@code .get(i)}.
   *
   * @param labelled the leave-one-out list, of {@link #size()} elements
   * @return one request per element, in order
   * @throws IllegalArgumentException when the list's size is not the plan's
   */
  public List<ScoreRequest> requests(List<LabelledExample> labelled) {
    if (labelled.size() != n) {
      throw new IllegalArgumentException(
          "this plan is for " + n + " examples, but was given " + labelled.size()
              + ": make a plan of the list's size");
    }
    List<ScoreRequest> requests = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      List<LabelledExample> context = new ArrayList<>(n - 1);
      for (int j : contexts.get(i)) {
        context.add(labelled.get(j));
      }
      requests.add(new ScoreRequest(labelled.get(i).example(), context));
    }
    return requests;
  }

  /**
   * The demonstrations forwarded when the plan runs on a model that keeps keys and values: every
   * extension's and every query's own examples, counted once each time they are read.
   *
   * @return the demonstrations forwarded when the plan runs on a model that keeps keys and values
   */
  public long demonstrationsForwarded() {
    long total = 0;
    for (Step step : steps) {
      if (step instanceof Extend e) {
        total += e.examples().size();
      } else if (step instanceof Query q) {
        total += q.examples().size();
      }
    }
    return total;
  }

  @Override
  public String toString() {
    return "LeaveOneOutPlan(" + order + ", " + n + " examples, " + steps.size() + " steps)";
  }
}
