/** The fine-tuning SPI for {@link org.icm4j.finetune.IterativeFineTuning}. */
@NullMarked
package org.icm4j.spi.finetune;

import org.jspecify.annotations.NullMarked;
