package org.icm4j;

/** How the annealing search proposes a label for the sampled example. */
public enum ProposalMode {
  /**
   * The paper's proposal (default): the label the model finds most likely given all other
   * labelled examples. A labeling in which every label already equals its leave-one-out argmax
   * proposes no move at all, so the search stays there whatever the temperature.
   */
  ARGMAX,
  /**
   * The most likely label, or, when it equals the example's current label, the most likely other
   * label: every iteration proposes a move and the annealing acceptance decides. Lets the search
   * leave a self-consistent labeling that is not the optimum of U.
   */
  ARGMAX_ELSE_NEXT,
  /** A label sampled from the model's leave-one-out distribution over the label space. */
  SAMPLE
}
