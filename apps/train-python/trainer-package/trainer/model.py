"""The classifier: word ids -> the mean of their rows of W, plus b -> logits. Multinomial logistic regression on a
normalized bag of words, trained with minibatch gradient descent; numpy when it is there, plain Python otherwise."""
import math
import random
import re
from collections import Counter

try:
    import numpy
except ImportError:  # the standard library is enough; numpy only makes it faster
    numpy = None

PAD, UNK = "[PAD]", "[UNK]"
# What the Hugging Face tokenizers' Lowercase normalizer and Whitespace pre-tokenizer do: serving tokenizes the same.
WORDS = re.compile(r"\w+|[^\w\s]+")


def tokenize(text):
    return WORDS.findall(text.lower())


def build_vocabulary(texts, min_count):
    counts = Counter(word for text in texts for word in tokenize(text))
    kept = sorted((word for word, count in counts.items() if count >= min_count), key=lambda word: (-counts[word], word))
    return [PAD, UNK] + kept


def encode(text, index, max_length):
    return [index.get(word, 1) for word in tokenize(text)[:max_length]] or [1]


class Classifier:
    def __init__(self, vocabulary, labels, seed):
        self.vocabulary = vocabulary
        self.labels = labels
        rng = random.Random(seed)
        self.weights = [[rng.uniform(-0.01, 0.01) for _ in labels] for _ in vocabulary]
        self.bias = [0.0 for _ in labels]

    def logits(self, ids):
        scale = 1.0 / len(ids)
        out = list(self.bias)
        for token in ids:
            row = self.weights[token]
            for j in range(len(out)):
                out[j] += row[j] * scale
        return out

    def predict(self, ids):
        scores = self.logits(ids)
        return max(range(len(scores)), key=scores.__getitem__)


def softmax(values):
    top = max(values)
    exps = [math.exp(value - top) for value in values]
    total = sum(exps)
    return [value / total for value in exps]


def train(model, examples, epochs, batch_size, learning_rate, seed, log):
    """examples: (ids, label index). Returns the loss of each epoch."""
    rng = random.Random(seed)
    order = list(range(len(examples)))
    losses = []
    use_numpy = numpy is not None
    if use_numpy:
        weights = numpy.array(model.weights, dtype=numpy.float64)
        bias = numpy.array(model.bias, dtype=numpy.float64)
    for epoch in range(1, epochs + 1):
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), batch_size):
            batch = [examples[i] for i in order[start:start + batch_size]]
            if use_numpy:
                total += _numpy_step(weights, bias, batch, learning_rate)
            else:
                total += _python_step(model, batch, learning_rate)
        losses.append(total / len(examples))
        log("epoch %d/%d: loss %.4f" % (epoch, epochs, losses[-1]))
    if use_numpy:
        model.weights = weights.tolist()
        model.bias = bias.tolist()
    return losses


def _python_step(model, batch, learning_rate):
    loss = 0.0
    grad_rows = {}
    grad_bias = [0.0] * len(model.bias)
    for ids, label in batch:
        probs = softmax(model.logits(ids))
        loss -= math.log(max(probs[label], 1e-12))
        probs[label] -= 1.0
        scale = 1.0 / len(ids)
        for j, value in enumerate(probs):
            grad_bias[j] += value
        for token in ids:
            row = grad_rows.setdefault(token, [0.0] * len(probs))
            for j, value in enumerate(probs):
                row[j] += value * scale
    step = learning_rate / len(batch)
    for token, row in grad_rows.items():
        weights = model.weights[token]
        for j, value in enumerate(row):
            weights[j] -= step * value
    for j, value in enumerate(grad_bias):
        model.bias[j] -= step * value
    return loss


def _numpy_step(weights, bias, batch, learning_rate):
    rows = numpy.zeros((len(batch), weights.shape[0]))
    for i, (ids, _) in enumerate(batch):
        numpy.add.at(rows[i], ids, 1.0 / len(ids))
    labels = numpy.array([label for _, label in batch])
    logits = rows @ weights + bias
    logits -= logits.max(axis=1, keepdims=True)
    probs = numpy.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -numpy.log(numpy.maximum(probs[numpy.arange(len(batch)), labels], 1e-12)).sum()
    probs[numpy.arange(len(batch)), labels] -= 1.0
    step = learning_rate / len(batch)
    weights -= step * (rows.T @ probs)
    bias -= step * probs.sum(axis=0)
    return float(loss)
