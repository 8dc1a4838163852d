package org.icm4j.result;

import org.icm4j.Icm;
import org.icm4j.search.Searches;


/** How an example's label was set. */
public enum LabelSource {
  /** By the search: the label is part of the labeling the search found. */
  SEARCH,
  /**
   * After the search, which had left the example unlabelled ({@link Searches#paper()} labels only
   * some examples): the model predicted it with the search's labels of its batch as context, and
   * its group took the assignment that breaks the fewest rules and, among those, the one the
   * model found most likely.
   */
  COMPLETION,
  /**
   * Given by the user as a trusted label ({@link Icm.Builder#trustedLabels}): the search kept it as
   * given and used it as context for the others.
   */
  TRUSTED
}
