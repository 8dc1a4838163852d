package org.icm4j.spi.search;

import java.util.List;
import java.util.random.RandomGenerator;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.spi.IcmListener;
import org.jspecify.annotations.Nullable;

/**
 * One batch of examples to label, as a {@link SearchStrategy} sees it: the energy, the model's
 * leave-one-out predictions, the consistency rules and the chain's random generator. Examples are
 * indexed {@code 0..size()-1} in id order. Not thread-safe: one per chain.
 */
public interface SearchProblem {

  /**
   * Number of examples in the batch.
   *
   * @return number of examples in the batch
   */
  int size();

  /**
   * A view of a state for an {@link ExampleSampler}.
   *
   * @param state the state
   * @return A view of a state for an {@link ExampleSampler}
   */
  SamplerView view(SearchState state);

  /**
   * The label space.
   *
   * @return the label space
   */
  LabelSpace labelSpace();

  /**
   * Example {@code i}.
   *
   * @param i the i
   * @return example {@code i}
   */
  Example example(int i);

  /**
   * The chain's random generator; the only source of randomness a strategy may use.
   *
   * @return the chain's random generator
   */
  RandomGenerator random();

  /**
   * The chain's seed (derived from the run's seed and the batch and chain indices), from which a
   * strategy may derive independent generators for parts of its work (for example one per start,
   * so that a resumed chain can rebuild them without replaying the others). Seeds so derived are
   * the only other source of randomness a strategy may use.
   *
   * @return the chain's seed (derived from the run's seed and the batch and chain indices), from
   *     which a strategy may derive independent generators for parts of its work (for example one per
   *     start, so that a resumed chain can rebuild them without replaying the others)
   */
  long seed();

  /**
   * The trusted label of example {@code i} ({@link org.icm4j.Icm.Builder#trustedLabels}), or {@code
   * -1} when it has none. A trusted label is part of every state: {@link #evaluate} and {@link
   * #change} keep it whatever they are given, so a strategy cannot change it; a strategy that
   * leaves trusted examples alone wastes no moves on them.
   *
   * @param i the i
   * @return the trusted label of example {@code i} ({@link org.icm4j.Icm.Builder#trustedLabels}),
   *     or {@code -1} when it has none
   */
  default int trustedLabel(int i) {
    return -1;
  }

  /**
   * Whether the batch has any consistency rule (without rules, every labeling has I = 0).
   *
   * @return whether the batch has any consistency rule (without rules, every labeling has I = 0)
   */
  boolean hasRules();

  /**
   * Settings a strategy reads: K, M, alpha, proposal mode, schedule, sampler.
   *
   * @return settings a strategy reads
   */
  SearchSettings settings();

  /**
   * Evaluates a labeling from scratch ({@code -1}: unlabelled). Calls the scorer, unless the
   * chain's score memo already holds this labeling's mutual predictability.
   *
   * @param labels the labels
   * @return evaluates a labeling from scratch ({@code -1}
   */
  SearchState evaluate(int[] labels);

  /**
   * Changes some labels of a state and evaluates the result, updating the inconsistency only in
   * the groups touched (the mutual predictability is rescored: every context changed). Returns
   * {@code base} itself when nothing changes.
   *
   * @param indices examples to change (an index given twice takes its last label)
   * @param labels their new label indices ({@code -1} to unlabel), same length
   *
   * @param base the base
   * @return changes some labels of a state and evaluates the result, updating the inconsistency
   *     only in the groups touched (the mutual predictability is rescored
   */
  SearchState change(SearchState base, int[] indices, int[] labels);

  /**
   * The model's log-probabilities over the label space for example {@code i} given all other
   * labelled examples of {@code state} (its own label, if any, left out). Calls the scorer, unless
   * the chain's score memo already holds this prediction.
   *
   * @param state the state
   * @param i the i
   * @return the model's log-probabilities over the label space for example {@code i} given all
   *     other labelled examples of {@code state} (its own label, if any, left out)
   */
  double[] predict(SearchState state, int i);

  /**
   * The model's predictions for several examples in one scorer call: row {@code k} holds the
   * log-probabilities over the label space for example {@code indices[k]} given every other
   * example labelled in {@code labels} (its own label, if any, left out), the context in id order.
   * Unlabelled examples share one context, which a scorer reads once. Rows the chain's score memo
   * holds are not asked again.
   *
   * @param labels label indices of the batch ({@code -1}: unlabelled)
   * @param indices the examples to predict
   *
   * @return the model's predictions for several examples in one scorer call
   */
  double[][] predict(int[] labels, int[] indices);

  /**
   * The leave-one-out rows behind a state's mutual predictability, by example index: row {@code i}
   * is the model's log-probabilities over the label space for labelled example {@code i} given
   * every other labelled example; {@code null} for unlabelled examples. Free for a state this
   * chain just evaluated; one scorer call for a state whose P came from the memo or a checkpoint.
   *
   * @param state the state
   * @return the leave-one-out rows behind a state's mutual predictability, by example index
   */
  double[] @Nullable [] leaveOneOutRows(SearchState state);

  /**
   * Number of groups of the batch (groups in order of first member).
   *
   * @return number of groups of the batch (groups in order of first member)
   */
  int groupCount();

  /**
   * The members of group {@code g}, example indices in id order (a fresh copy).
   *
   * @param g the g
   * @return the members of group {@code g}, example indices in id order (a fresh copy)
   */
  int[] group(int g);

  /**
   * The violations group {@code g} has when its members take these labels (parallel to {@link
   * #group(int)}, {@code -1}: unlabelled): inconsistent pairs plus violated group rules. The
   * inconsistency of a labeling is the sum of this over its groups.
   *
   * @param g the g
   * @param assignment the assignment
   * @return the violations group {@code g} has when its members take these labels (parallel to
   *     {@link #group(int)}, {@code -1}
   */
  int groupViolations(int g, int[] assignment);

  /**
   * The current violations: each an array of example indices, a pair for a violated pair rule or
   * the labelled members of a group for a violated group rule. Computed per group.
   *
   * @param state the state
   * @return the current violations
   */
  List<int[]> violations(SearchState state);

  /**
   * Every assignment of labels to the examples of {@code witness} (a violation) that makes it
   * consistent, each an array parallel to {@code witness}. Excludes the current assignment. When a
   * witness has more than 4096 assignments (e.g. a group of 13 binary examples), only the
   * consistent single-example changes are returned.
   *
   * @param state the state
   * @param witness the witness
   * @return every assignment of labels to the examples of {@code witness} (a violation) that makes
   *     it consistent, each an array parallel to {@code witness}
   */
  List<int[]> consistentOptions(SearchState state, int[] witness);

  /**
   * Whether the run was cancelled (token or interrupt); a strategy stops and returns what it has.
   *
   * @return whether the run was cancelled (token or interrupt)
   */
  boolean cancelled();

  /**
   * The run's listener (a no-op when none was set).
   *
   * @return the run's listener (a no-op when none was set)
   */
  IcmListener listener();

  /**
   * The checkpoint this chain resumes from, when the run is being resumed.
   *
   * @return the checkpoint this chain resumes from, when the run is being resumed
   */
  @Nullable ChainCheckpoint resumeFrom();

  /**
   * Rebuilds the state saved in a checkpoint without calling the scorer (the mutual
   * predictability is taken from the checkpoint).
   *
   * @param checkpoint the checkpoint
   * @return rebuilds the state saved in a checkpoint without calling the scorer (the mutual
   *     predictability is taken from the checkpoint)
   */
  SearchState restore(ChainCheckpoint checkpoint);

  /**
   * Offers a checkpoint after an iteration; the engine calls {@code checkpoint} and writes the
   * result when one is due (every N iterations, as configured, and when the run is cancelled) and
   * ignores the offer otherwise, so offering after every iteration costs nothing.
   *
   * @param iteration iterations completed
   * @param checkpoint builds the chain's state on demand
   */
  void offerCheckpoint(int iteration, java.util.function.Supplier<ChainCheckpoint> checkpoint);

  /**
   * Batch index and chain index, for events.
   *
   * @return batch index and chain index, for events
   */
  int batchIndex();

  /**
   * Chain index within the batch.
   *
   * @return chain index within the batch
   */
  int chainIndex();
}
