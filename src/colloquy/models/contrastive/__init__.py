"""Contrastive fine-tuning of a sentence encoder from intent labels (SetFit / ConvFiT style).

Why: a general-purpose encoder such as all-MiniLM-L6-v2 knows what sentences mean, but not
where *our* intent boundaries lie: "my card hasn't arrived" and "how long does delivery take"
sit close together although they are different intents. A short contrastive fine-tune on
the labelled training texts pulls same-intent messages together and pushes other intents
apart, so a linear head on the fine-tuned embeddings separates intents markedly better.

How, and why so:

* **pairs** — every example with a classmate is an anchor ``pairs_per_example`` times per
  epoch, each time with a different classmate as its positive when the class has enough;
* **batches** — no two pairs in a batch share a label, so the in-batch negatives of the
  loss are never same-intent false negatives (:func:`make_batches`, pure and seeded);
* **few classes** — with two labels (a conversation's outcome) batches of distinct labels
  would hold two pairs, so ``loss="supcon"`` packs pairs at random instead
  (:func:`make_mixed_batches`) and uses the supervised contrastive loss, in which every
  same-label example in the batch is a positive (:func:`supcon_loss`);
* **loss** — *symmetric* multiple-negatives ranking loss: cross-entropy over the scaled
  cosine similarities of anchors against positives *and* positives against anchors. Our
  pairs are unordered (both sides are ordinary examples, no query/document asymmetry), so
  the second direction doubles the negatives at the price of one more softmax over the same
  similarity matrix (:func:`mnrl_loss`);
* **loop** — our own PyTorch loop: AdamW, linear warm-up then linear decay, anchors and
  positives tokenised together and embedded in one forward pass (half the overhead on CPU);
* **robustness** — a checkpoint after every epoch (model, optimizer, scheduler, RNG states),
  written atomically; :meth:`ContrastiveTrainer.fit` on the same folder resumes from the
  last complete one and refuses different data; early stopping on nearest-centroid accuracy
  of a validation split keeps the best epoch.

One module per part: ``batching`` (pairs and batches), ``losses``, ``data`` (checks,
subsample, fingerprint), ``encoder`` (load, save, embed), ``optimization``, ``rng``,
``checkpoints``, ``validation`` (the early-stopping metric), ``records`` and ``trainer``
(the loop); the names callers use are re-exported here.

Training truncates texts to ``max_seq_length`` tokens for speed; the saved model keeps the
base model's own limit, so inference does not truncate more than before.
"""

from colloquy.models.contrastive.batching import Pair, make_batches, make_mixed_batches
from colloquy.models.contrastive.losses import mnrl_loss, supcon_loss
from colloquy.models.contrastive.records import ContrastiveResult, EpochRecord
from colloquy.models.contrastive.trainer import ContrastiveTrainer
from colloquy.models.contrastive.validation import nearest_centroid_accuracy
from colloquy.models.contrastive_config import ContrastiveConfig

__all__ = [
    "ContrastiveConfig",
    "ContrastiveResult",
    "ContrastiveTrainer",
    "EpochRecord",
    "Pair",
    "make_batches",
    "make_mixed_batches",
    "mnrl_loss",
    "nearest_centroid_accuracy",
    "supcon_loss",
]
