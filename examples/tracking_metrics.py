"""Edge-classification figures of merit used by the tracking community (gnnc.demo.metrics)."""

from gnnc.demo.metrics import efficiency_purity

__all__ = ["efficiency_purity"]
