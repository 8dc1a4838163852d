/**
 * icm4j's scorer for inference servers over HTTP: {@link org.icm4j.http.HttpScorer} implements
 * {@link org.icm4j.spi.LabelScorer} against llama.cpp's {@code llama-server}, vLLM and SGLang,
 * sending token-id prompts and reading the exact log-probabilities of the label tokens. Only
 * {@code java.net.http} and Jackson; see docs/remote.md.
 */
@NullMarked
package org.icm4j.http;

import org.jspecify.annotations.NullMarked;
