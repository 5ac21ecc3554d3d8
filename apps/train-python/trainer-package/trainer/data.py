"""Reading text,label CSVs from a folder, a file, gs:// (through Vertex AI's /gcs/ bucket mount) or AIP_ variables."""
import csv
import glob
import os


def local_path(uri):
    """gs://bucket/key as /gcs/bucket/key, where a Vertex AI job sees its buckets; anything else as it is."""
    if uri.startswith("gs://"):
        return "/gcs/" + uri[len("gs://"):]
    return uri


def csv_files(location, split):
    """The CSV files of one split: <folder>/<split>.csv, a file, or a wildcard (AIP_TRAINING_DATA_URI's form)."""
    path = local_path(location)
    if os.path.isdir(path):
        candidate = os.path.join(path, split + ".csv")
        return [candidate] if os.path.exists(candidate) else []
    if any(ch in path for ch in "*?["):
        return sorted(glob.glob(path))
    return [path] if os.path.exists(path) else []


def read_examples(files, text_column="text", label_column="label"):
    """(text, label) pairs of the files, in order; a missing column names the file and the columns it has."""
    examples = []
    for name in files:
        with open(name, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = reader.fieldnames or []
            for column in (text_column, label_column):
                if column not in columns:
                    raise SystemExit("error: %s has no column %r (it has %s)" % (name, column, ", ".join(columns) or "none"))
            for row in reader:
                label = (row[label_column] or "").strip()
                if label:
                    examples.append((row[text_column] or "", label))
    return examples
