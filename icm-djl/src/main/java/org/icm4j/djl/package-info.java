/**
 * icm4j's adapter for causal language models on DJL's PyTorch engine: {@link
 * org.icm4j.djl.DjlScorer} implements {@link org.icm4j.spi.LabelScorer} on any {@link
 * org.icm4j.djl.CausalLm} (a TorchScript trace or a DJL {@code Block}).
 */
@NullMarked
package org.icm4j.djl;

import org.jspecify.annotations.NullMarked;
