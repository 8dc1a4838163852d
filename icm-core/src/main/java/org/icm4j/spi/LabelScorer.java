package org.icm4j.spi;

import java.util.ArrayList;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;

/**
 * Asks a model how likely each label is for an example, after a context of labelled examples:
 * the only place ICM touches a language model.
 *
 * <p>Contract (checked by the shared {@code ScorerContract} test in {@code icm-core}'s test-jar):
 * deterministic (the same requests give the same numbers, so that a seed fixes a run); one row per
 * request, one finite value per label; the result of a request does not depend on the other
 * requests of the batch; {@link #scoreLeaveOneOut} equals {@link #score} of the per-example
 * requests it stands for.
 *
 * <p>Thread-safety is the implementation's to state. ICM calls a scorer from one thread per chain;
 * when chains run in parallel on an executor the scorer must be thread-safe.
 */
public interface LabelScorer {

  /**
   * Scores a batch of requests.
   *
   * @param labels the label space; each row has {@code labels.size()} entries in its order
   * @param requests the requests, non-empty
   * @return one row per request, in order
   */
  ScoreResult score(LabelSpace labels, List<ScoreRequest> requests);

  /**
   * Checks, before a search spends any work on a batch, that this scorer can answer every request
   * the search may make on it: the longest is a query with every other example of the batch
   * labelled in its context. The engine calls it once per batch before the batch's chains start,
   * and {@code Icm.energy} before it scores (with the labelled examples). A scorer with a limit
   * (a model's context length, say) fails here, naming the limit and the remedy, instead of
   * seconds or hours into the search. The default accepts every batch.
   *
   * <p>It must accept every batch on which {@link #scoreLeaveOneOut} of all examples, each with
   * any label, succeeds (the shared {@code ScorerContract} checks this on its examples).
   *
   * @param labels the label space
   * @param batch the batch's examples, in id order, at least one
   * @throws org.icm4j.IcmException naming what does not fit and what to change (for a context
   *     limit: a smaller {@code Icm.Builder.batchSize})
   */
  default void checkBatch(LabelSpace labels, List<Example> batch) {}

  /**
   * What identifies the model this scorer asks, beyond its class: for instance a digest of the
   * model's files, the served model's name and its vocabulary size. It enters a checkpoint's
   * fingerprint (so that a run resumes only with the model that wrote the checkpoint; another is
   * rejected, naming the entry that differs) and the result's provenance, each entry as {@code
   * scorer.<key>}. Entries must be stable from one JVM to the next and hold no secret (they are
   * written to the checkpoint). The default is empty: the class alone identifies the scorer, and
   * the caller must make sure a resumed run loads the same model.
   *
   * @return entries by name, in any order
   */
  default java.util.Map<String, String> identity() {
    return java.util.Map.of();
  }

  /**
   * Leave-one-out scores of a labelling: for each {@code i}, the log-probabilities of the labels of
   * {@code labelled.get(i).example()} given all other elements of {@code labelled} as context, in
   * the order {@link #leaveOneOutRequests} gives.
   *
   * <p>The default sends those requests ({@code n} requests of {@code n-1} demonstrations, as the
   * official ICM code does). Adapters override it to share work (e.g. reuse the keys and values of
   * common prefixes); the result must equal {@code score(labels, leaveOneOutRequests(labelled))}.
   *
   * @param labels the label space
   * @param labelled the labelled examples, at least one
   * @return one row per element of {@code labelled}, in order
   */
  default ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
    return score(labels, leaveOneOutRequests(labelled));
  }

  /**
   * The explicit requests that {@link #scoreLeaveOneOut} stands for: request {@code i} queries
   * {@code labelled.get(i).example()} with every other element of {@code labelled} as context. The
   * default keeps their given order; a scorer that shares work may place the context in another
   * order (e.g. the order its divide-and-conquer encodes them in) and says so here, so that its
   * fast path can be checked against the plain one.
   *
   * @param labelled the labelled examples, at least one
   * @return one request per element of {@code labelled}, in order
   */
  default List<ScoreRequest> leaveOneOutRequests(List<LabelledExample> labelled) {
    List<ScoreRequest> requests = new ArrayList<>(labelled.size());
    for (int i = 0; i < labelled.size(); i++) {
      List<LabelledExample> context = new ArrayList<>(labelled.size() - 1);
      context.addAll(labelled.subList(0, i));
      context.addAll(labelled.subList(i + 1, labelled.size()));
      requests.add(new ScoreRequest(labelled.get(i).example(), context));
    }
    return requests;
  }
}
