"""The contrastive losses: in-batch negatives (MNRL) and supervised contrastive (SupCon)."""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812


def mnrl_loss(anchors: torch.Tensor, positives: torch.Tensor, scale: float) -> torch.Tensor:
    """Symmetric multiple-negatives ranking loss of row-aligned ``anchors`` and ``positives``.

    Row ``i`` of each is a positive pair; every other row of the other side is a negative.
    The loss is the mean of the cross-entropies of ``scale · cos`` in both directions.
    """
    scores = scale * F.normalize(anchors, dim=-1) @ F.normalize(positives, dim=-1).T
    target = torch.arange(scores.shape[0], device=scores.device)
    return (F.cross_entropy(scores, target) + F.cross_entropy(scores.T, target)) / 2


def supcon_loss(
    anchors: torch.Tensor, positives: torch.Tensor, labels: torch.Tensor, scale: float
) -> torch.Tensor:
    """Supervised contrastive loss (Khosla et al., 2020) of pairs with the labels ``labels``.

    Anchors and positives form one batch of ``2n`` examples; for each example, every other
    example with its label is a positive and the rest are negatives. The loss is the mean,
    over examples, of the mean negative log-softmax of ``scale · cos`` at its positives.
    """
    embeddings = F.normalize(torch.cat([anchors, positives]), dim=-1)
    classes = torch.cat([labels, labels])
    scores = scale * embeddings @ embeddings.T
    itself = torch.eye(len(classes), dtype=torch.bool, device=scores.device)
    scores = scores.masked_fill(itself, float("-inf"))
    log_softmax = scores - torch.logsumexp(scores, dim=1, keepdim=True)
    positive = (classes[:, None] == classes[None, :]) & ~itself
    per_example = log_softmax.masked_fill(~positive, 0.0).sum(dim=1) / positive.sum(dim=1)
    return -per_example.mean()


__all__ = ["mnrl_loss", "supcon_loss"]
