"""The model directory @vertexkit/serve serves: model.onnx, tokenizer.json (WordLevel), tokenizer_config.json,
config.json, and metrics.json. Each file is written under a temporary name and renamed, so a reader never sees a
half-written one."""
import json
import os

from . import model as classifier
from .onnx_writer import bag_of_words_model


def _write(path, data):
    temporary = path + ".tmp"
    with open(temporary, "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    os.replace(temporary, path)


def export_model_directory(model, directory, max_length, metrics):
    os.makedirs(directory, exist_ok=True)
    tokenizer = {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": max_length, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": None, "pad_id": 0, "pad_type_id": 0, "pad_token": classifier.PAD},
        "added_tokens": [],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": {token: i for i, token in enumerate(model.vocabulary)}, "unk_token": classifier.UNK},
    }
    config = {
        "model_type": "vertexkit-bag-of-words",
        "id2label": {str(i): label for i, label in enumerate(model.labels)},
        "label2id": {label: i for i, label in enumerate(model.labels)},
        "num_labels": len(model.labels),
        "problem_type": "single_label_classification",
        "vocab_size": len(model.vocabulary),
        "max_position_embeddings": max_length,
    }
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": max_length,
        "pad_token": classifier.PAD,
        "unk_token": classifier.UNK,
        "model_input_names": ["input_ids", "attention_mask"],
    }
    files = {
        "model.onnx": bag_of_words_model(model.weights, model.bias),
        "tokenizer.json": json.dumps(tokenizer),
        "tokenizer_config.json": json.dumps(tokenizer_config, indent=2) + "\n",
        "config.json": json.dumps(config, indent=2) + "\n",
        "metrics.json": json.dumps(metrics, indent=2) + "\n",
    }
    for name, data in files.items():
        _write(os.path.join(directory, name), data)
    return sorted(files)
