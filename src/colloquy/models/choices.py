"""The names a caller chooses among when training, evaluating and serving models.

They live apart from the models, with nothing but the standard library imported, so that
the CLI can list them in its options and its help without loading NumPy, scikit-learn or
PyTorch. The model modules' own ``Literal`` types must name the same values (a unit test
compares them).
"""

from __future__ import annotations

from typing import Literal, get_args

Method = Literal["tfidf", "frozen", "contrastive"]
"""How an intent model turns text into features (``IntentClassifier(method=…)``)."""
METHODS: tuple[Method, ...] = get_args(Method)

Backend = Literal["torch", "onnx", "onnx-int8"]
"""The runtime of the sentence encoder."""
BACKENDS: tuple[Backend, ...] = get_args(Backend)

ConversionHead = Literal["auto", "logreg", "lightgbm"]
"""The model of a conversion predictor's tabular blocks (``auto`` chooses per block)."""
CONVERSION_HEADS: tuple[ConversionHead, ...] = get_args(ConversionHead)

Source = Literal["persuasion4good", "craigslist_bargain", "jsonl"]
"""How conversion data is read and what "converted" means for it."""
SOURCES: tuple[Source, ...] = get_args(Source)
