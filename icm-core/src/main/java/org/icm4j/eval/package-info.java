/**
 * Evaluation of labellings against gold labels: {@link org.icm4j.eval.GoldLabels} (gold labels,
 * for evaluation only, never for the search) and {@link org.icm4j.eval.Evaluation} (agreement with
 * gold, zero-shot, many-shot and random-label many-shot accuracy, as reported in the ICM paper), and
 * {@link org.icm4j.eval.RewardEvaluation} (gold preference pairs and the pairwise accuracy of reward
 * models, RewardBench's measure).
 */
@NullMarked
package org.icm4j.eval;

import org.jspecify.annotations.NullMarked;
