"""The job's entry point: python -m trainer.task [--data DIR] [--epochs N] [--batch_size N] ...

Reads train.csv (and dev.csv when there) from --data, or from AIP_TRAINING_DATA_URI / AIP_VALIDATION_DATA_URI as
Vertex AI sets them for a managed dataset; gs:// locations are read through the /gcs/ bucket mount. Trains, then
writes the model directory to --output, default AIP_MODEL_DIR."""
import argparse
import json
import os
import sys
import time

from . import data, export
from . import model as classifier


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="trainer.task", description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="folder (or gs:// prefix) with train.csv, dev.csv optional")
    parser.add_argument("--output", default=os.environ.get("AIP_MODEL_DIR"), help="model directory (default AIP_MODEL_DIR)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch_size", "--batch-size", type=int, default=32)
    parser.add_argument("--learning_rate", "--learning-rate", type=float, default=2.0)
    parser.add_argument("--min_count", "--min-count", type=int, default=1)
    parser.add_argument("--max_length", "--max-length", type=int, default=256)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--text_column", default="text")
    parser.add_argument("--label_column", default="label")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not args.output:
        raise SystemExit("error: no --output and no AIP_MODEL_DIR: say where the model directory goes")
    if args.epochs < 1 or args.batch_size < 1:
        raise SystemExit("error: --epochs and --batch_size must be 1 or more")
    if args.data is not None:
        train_files, dev_files = data.csv_files(args.data, "train"), data.csv_files(args.data, "dev")
    elif os.environ.get("AIP_TRAINING_DATA_URI"):
        train_files = data.csv_files(os.environ["AIP_TRAINING_DATA_URI"], "train")
        dev_files = data.csv_files(os.environ["AIP_VALIDATION_DATA_URI"], "dev") if os.environ.get("AIP_VALIDATION_DATA_URI") else []
    else:
        raise SystemExit("error: no --data and no AIP_TRAINING_DATA_URI: give the folder with train.csv")
    if not train_files:
        raise SystemExit("error: no training CSV at %s" % (args.data or os.environ.get("AIP_TRAINING_DATA_URI")))
    started = time.time()
    train_rows = data.read_examples(train_files, args.text_column, args.label_column)
    dev_rows = data.read_examples(dev_files, args.text_column, args.label_column) if dev_files else []
    if not train_rows:
        raise SystemExit("error: %s has no labelled rows" % ", ".join(train_files))
    labels = sorted({label for _, label in train_rows})
    vocabulary = classifier.build_vocabulary([text for text, _ in train_rows], args.min_count)
    index = {token: i for i, token in enumerate(vocabulary)}
    encoded = [(classifier.encode(text, index, args.max_length), labels.index(label)) for text, label in train_rows]
    print("read %d training examples, %d dev; labels: %s; vocabulary %d; numpy: %s" % (
        len(train_rows), len(dev_rows), ", ".join(labels), len(vocabulary), "yes" if classifier.numpy is not None else "no"))
    model = classifier.Classifier(vocabulary, labels, args.seed)
    losses = classifier.train(model, encoded, args.epochs, args.batch_size, args.learning_rate, args.seed, print)

    def accuracy(rows):
        known = [(text, label) for text, label in rows if label in labels]
        hits = sum(1 for text, label in known if model.labels[model.predict(classifier.encode(text, index, args.max_length))] == label)
        return hits / len(known) if known else None

    metrics = {"train_accuracy": accuracy(train_rows), "dev_accuracy": accuracy(dev_rows), "losses": losses, "examples": len(train_rows), "seconds": round(time.time() - started, 3)}
    directory = data.local_path(args.output)
    files = export.export_model_directory(model, directory, args.max_length, metrics)
    print("train accuracy %.4f%s" % (metrics["train_accuracy"], "" if metrics["dev_accuracy"] is None else ", dev accuracy %.4f" % metrics["dev_accuracy"]))
    print("model: %s (%s)" % (directory, ", ".join(files)))
    print(json.dumps({"model_dir": directory, "labels": labels}))


if __name__ == "__main__":
    main()
