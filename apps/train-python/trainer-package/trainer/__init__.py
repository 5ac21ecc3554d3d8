"""A small text classifier for Vertex AI custom training: CSV in, an ONNX model directory out."""
