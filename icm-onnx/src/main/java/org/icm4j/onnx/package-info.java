/**
 * {@link org.icm4j.onnx.OnnxScorer}: a label scorer for causal language models exported to ONNX
 * (the Optimum / onnx-community decoder layout with a key/value cache), run with ONNX Runtime on
 * icm-core's text layer ({@code org.icm4j.text}).
 */
@NullMarked
package org.icm4j.onnx;

import org.jspecify.annotations.NullMarked;
