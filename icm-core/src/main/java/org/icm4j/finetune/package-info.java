/** Iterative fine-tuning: label, fine-tune, label again ({@link org.icm4j.finetune.IterativeFineTuning}). */
@NullMarked
package org.icm4j.finetune;

import org.jspecify.annotations.NullMarked;
