"""Network analysis for Kommunalnetz: pure networkx, no Flask, no database."""

from .brokerage import gould_fernandez_brokerage, subset_betweenness
from .build import build_graph, exportable, network_graph
from .gaps import GAP_DETECTORS, GAP_KINDS
from .report import analyse
from .taktgeber import SCORE_EXPLANATION, WEIGHTS

__all__ = [
    "GAP_DETECTORS",
    "GAP_KINDS",
    "SCORE_EXPLANATION",
    "WEIGHTS",
    "analyse",
    "build_graph",
    "exportable",
    "gould_fernandez_brokerage",
    "network_graph",
    "subset_betweenness",
]
