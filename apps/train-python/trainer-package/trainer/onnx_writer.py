"""An ONNX ModelProto written with the protobuf wire format by hand: the `onnx` package is not in the prebuilt images
nor on most machines, and pip may not reach PyPI, while this graph needs five message types (field numbers from
onnx/onnx.proto). ONNX Runtime, which @vertexkit/serve runs, reads it like any exported model."""
import struct

FLOAT, INT64 = 1, 7


def _varint(value):
    out = bytearray()
    value &= (1 << 64) - 1  # negative int64s are ten-byte varints
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field, wire):
    return _varint(field << 3 | wire)


def _int(field, value):
    return _key(field, 0) + _varint(value)


def _bytes(field, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return _key(field, 2) + _varint(len(data)) + data


def tensor(name, data_type, dims, values):
    """TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian)."""
    fmt = "<%d%s" % (len(values), "f" if data_type == FLOAT else "q")
    return b"".join(_int(1, dim) for dim in dims) + _int(2, data_type) + _bytes(8, name) + _bytes(9, struct.pack(fmt, *values))


def value_info(name, elem_type, dims):
    """ValueInfoProto name (1), type (2) = TypeProto.tensor_type (1) {elem_type (1), shape (2) {dim (1)}}."""
    shape = b"".join(_bytes(1, _bytes(2, dim) if isinstance(dim, str) else _int(1, dim)) for dim in dims)
    return _bytes(1, name) + _bytes(2, _bytes(1, _int(1, elem_type) + _bytes(2, shape)))


def node(op_type, inputs, outputs, name, attributes=()):
    """NodeProto: input (1), output (2), name (3), op_type (4), attribute (5): AttributeProto name (1), i (3), type (20)."""
    body = b"".join(_bytes(1, item) for item in inputs) + b"".join(_bytes(2, item) for item in outputs)
    body += _bytes(3, name) + _bytes(4, op_type)
    for attr_name, value in attributes:
        body += _bytes(5, _bytes(1, attr_name) + _int(3, value) + _int(20, 2))  # AttributeProto.INT
    return body


def bag_of_words_model(weights, bias):
    """input_ids, attention_mask (int64 [batch, sequence]) -> logits (float [batch, labels]):
    the mask-weighted mean of the rows of W the ids pick, plus b. Opset 13."""
    vocab, labels = len(weights), len(bias)
    flat = [value for row in weights for value in row]
    nodes = [
        node("Gather", ["W", "input_ids"], ["picked"], "gather"),
        node("Cast", ["attention_mask"], ["mask"], "cast", [("to", FLOAT)]),
        node("Unsqueeze", ["mask", "last_axis"], ["mask3"], "unsqueeze"),
        node("Mul", ["picked", "mask3"], ["masked"], "mul"),
        node("ReduceSum", ["masked", "sequence_axis"], ["summed"], "sum", [("keepdims", 0)]),
        node("ReduceSum", ["mask", "sequence_axis"], ["count"], "count", [("keepdims", 1)]),
        node("Max", ["count", "one"], ["denominator"], "at_least_one"),
        node("Div", ["summed", "denominator"], ["mean"], "mean"),
        node("Add", ["mean", "b"], ["logits"], "logits"),
    ]
    initializers = [
        tensor("W", FLOAT, [vocab, labels], flat),
        tensor("b", FLOAT, [labels], list(bias)),
        tensor("one", FLOAT, [], [1.0]),
        tensor("last_axis", INT64, [1], [-1]),
        tensor("sequence_axis", INT64, [1], [1]),
    ]
    graph = b"".join(_bytes(1, item) for item in nodes) + _bytes(2, "bag_of_words")
    graph += b"".join(_bytes(5, item) for item in initializers)
    graph += _bytes(11, value_info("input_ids", INT64, ["batch", "sequence"]))
    graph += _bytes(11, value_info("attention_mask", INT64, ["batch", "sequence"]))
    graph += _bytes(12, value_info("logits", FLOAT, ["batch", labels]))
    # ModelProto: ir_version (1), producer_name (2), graph (7), opset_import (8) {domain (1), version (2)}.
    return _int(1, 7) + _bytes(2, "apps/train-python") + _bytes(7, graph) + _bytes(8, _bytes(1, "") + _int(2, 13))
