"""The median stopping rule as a local study's median pruner behaves: stop or go on, never
pause.

Ray's :class:`~ray.tune.schedulers.MedianStoppingRule` pauses a trial that has too few
others to compare with while trials are waiting. A paused function trial without
checkpoints starts again from its first step when resumed, so pausing repeats work and
sends the search algorithm the same steps twice. Optuna's median pruner lets such a trial
run on; this rule does the same. Imports Ray: load it only where Ray Tune runs.
"""

from __future__ import annotations

from typing import Any

from ray.tune.schedulers import MedianStoppingRule, TrialScheduler


class MedianStopping(MedianStoppingRule):
    """:class:`MedianStoppingRule` that continues a trial when the median has too few
    trials behind it, instead of pausing it."""

    def _on_insufficient_samples(self, tune_controller: Any, trial: Any, time: float) -> str:
        return str(TrialScheduler.CONTINUE)


__all__ = ["MedianStopping"]
