/**
 * Training {@link org.icm4j.djl.BlockLm} models with DJL: fine-tuning on labelled examples ({@link
 * org.icm4j.djl.train.BlockLmFineTuner}, icm-core's {@link org.icm4j.spi.FineTuner} for iterative
 * fine-tuning on ICM's labels) and resumable training from scratch on a token {@link
 * org.icm4j.djl.train.Corpus} ({@link org.icm4j.djl.train.LmTrainer}).
 */
@NullMarked
package org.icm4j.djl.train;

import org.jspecify.annotations.NullMarked;
