"""Network analysis for Kommunalnetz: pure networkx, no Flask, no database."""

from .brokerage import gould_fernandez_brokerage, subset_betweenness
from .build import build_graph, exportable, network_graph
from .gaps import GAP_DETECTORS, GAP_KINDS
from .report import analyse
from .taktgeber import PARTS, SCORE_EXPLANATION, WEIGHTS, check_weights, score_explanation

__all__ = [
    "GAP_DETECTORS",
    "GAP_KINDS",
    "PARTS",
    "SCORE_EXPLANATION",
    "WEIGHTS",
    "analyse",
    "build_graph",
    "check_weights",
    "exportable",
    "gould_fernandez_brokerage",
    "network_graph",
    "score_explanation",
    "subset_betweenness",
]
