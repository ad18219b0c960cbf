"""Edge-classification figures of merit used by the tracking community."""

from __future__ import annotations

import numpy as np


def efficiency_purity(scores: list[np.ndarray], truths: list[np.ndarray], cut: float = 0.5) -> tuple[float, float]:
    """Efficiency = true edges kept / true edges; purity = true edges kept / edges kept (all graphs pooled)."""
    kept_true = kept = true = 0
    for s, y in zip(scores, truths):
        keep = np.asarray(s).reshape(-1) > cut
        truth = np.asarray(y).reshape(-1).astype(bool)
        kept_true += int(np.sum(keep & truth))
        kept += int(np.sum(keep))
        true += int(np.sum(truth))
    return kept_true / max(true, 1), kept_true / max(kept, 1)
