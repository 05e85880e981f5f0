"""Ray's Optuna searcher, told which trials the scheduler stopped.

Ray's :class:`~ray.tune.search.optuna.OptunaSearch` reports every trial that ends without
an error to Optuna as complete, with its last result. A trial the median stopping rule
stopped would then count, for the sampler, as a finished trial whose final score is that
of an early epoch. A local study records it as pruned, and TPE treats pruned trials apart;
this searcher does the same. Imports Ray: load it only where Ray Tune runs.
"""

from __future__ import annotations

from typing import Any

from ray.tune.search.optuna import OptunaSearch


class PruningOptunaSearch(OptunaSearch):
    """:class:`OptunaSearch` that tells Optuna a trial ended without its final report
    (``final_key`` false or absent) was pruned."""

    def __init__(self, *args: Any, final_key: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.final_key = final_key

    def on_trial_complete(
        self, trial_id: str, result: dict[str, Any] | None = None, error: bool = False
    ) -> None:
        if result is not None and not error and not result.get(self.final_key):
            # Without the metric, OptunaSearch tells the study the trial was pruned.
            result = {key: value for key, value in result.items() if key != self.metric}
        super().on_trial_complete(trial_id, result, error)


__all__ = ["PruningOptunaSearch"]
