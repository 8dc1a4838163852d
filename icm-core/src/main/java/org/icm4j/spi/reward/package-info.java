/** The reward-model SPI: training a reward model on ICM labels and scoring with it. */
@NullMarked
package org.icm4j.spi.reward;

import org.jspecify.annotations.NullMarked;
