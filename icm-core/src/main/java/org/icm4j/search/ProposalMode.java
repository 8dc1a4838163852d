package org.icm4j.search;

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
  SAMPLE,
  /**
   * {@link #ARGMAX_ELSE_NEXT}, and in addition, with probability 1/n per iteration (n examples in
   * the batch), the mirror move: every labelled example's label index {@code y} becomes {@code
   * (y + 1) mod k} (for the binary space: True and False swapped). A model that infers the rule
   * from its context predicts a labeling and its mirror almost equally well, so the two are deep
   * optima far apart; single-label moves rarely cross from one to the other. Such an iteration is
   * recorded with example id {@value #MIRROR_ID}.
   */
  EXPLORE;

  /** The example id recorded for a mirror move of {@link #EXPLORE}. */
  public static final String MIRROR_ID = "*mirror*";
}
