/**
 * Runnable icm4j examples on bundled data: {@link org.icm4j.examples.Gsm8kLoader} (GSM8K
 * verification, MIT), {@link org.icm4j.examples.TruthfulQaLoader} (TruthfulQA, Apache-2.0), and
 * {@link org.icm4j.examples.Gsm8kCostCommand}, which runs ICM on a GSM8K batch with a local model
 * through icm-djl and reports what it cost.
 *
 * <p>Loaders return the claims ({@link org.icm4j.Example}s, which never carry a gold label), the
 * consistency rules derived from the claims alone, and the gold labels separately, as {@link
 * org.icm4j.eval.GoldLabels}, for evaluation after a run.
 */
@NullMarked
package org.icm4j.examples;

import org.jspecify.annotations.NullMarked;
