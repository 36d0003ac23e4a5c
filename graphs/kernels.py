"""Compiled kernels (numba) for the heaviest loops of the analysis.

Only :func:`dependencies_sum` for now: Brandes' subset dependencies summed over sampled
sources of a large graph, the same arithmetic in the same order as the numpy version in
:mod:`graphs.brokerage` (so the figures are identical to the last bit), about five times
less CPU.

numba compiles on first use; ``cache=True`` keeps the machine code on disk (``__pycache__``
next to this file, or numba's user-wide cache directory when the package directory is
read-only, or ``NUMBA_CACHE_DIR``; when none of them is writable a directory under the
system's temporary directory), so a new process loads it instead of compiling (tens of
milliseconds instead of seconds). :func:`warm` loads (or compiles) it ahead of time: the
analysis worker calls it before it forks its work horses, which inherit the loaded code.

Import this module only through :func:`graphs.brokerage.compiled`: when numba is missing
the analysis falls back to numpy.
"""

from __future__ import annotations

import os
import tempfile

import numba
import numpy as np


def _jit(function):
    try:
        return numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:  # no writable cache location: numba refuses cache=True
        fallback = os.path.join(tempfile.gettempdir(), "kommunalnetz-numba")
        os.makedirs(fallback, exist_ok=True)
        numba.config.CACHE_DIR = fallback
        return numba.njit(cache=True, nogil=True)(function)


@_jit
def _dependencies_sum(indptr, indices, sources, weights, is_target, home):  # pragma: no cover
    n = indptr.shape[0] - 1
    total = np.zeros(n)
    dist = np.full(n, -1, dtype=np.int32)
    sigma = np.zeros(n)
    delta = np.zeros(n)
    queue = np.empty(n, dtype=np.int32)
    succ = np.empty(indices.shape[0], dtype=np.int32)  # the DAG arcs, row by row
    first = np.empty(n + 1, dtype=np.int64)  # queue[j]'s successors: succ[first[j]:first[j+1]]
    for i in range(sources.shape[0]):
        source = sources[i]
        dist[source] = 0
        sigma[source] = 1.0
        queue[0] = source
        head, tail, m = 0, 1, 0
        first[0] = 0
        while head < tail:  # breadth-first: distances, path counts (exact integers), DAG
            u = queue[head]
            head += 1
            du = dist[u] + 1
            su = sigma[u]
            for p in range(indptr[u], indptr[u + 1]):
                w = indices[p]
                if dist[w] < 0:
                    dist[w] = du
                    queue[tail] = w
                    tail += 1
                if dist[w] == du:
                    sigma[w] += su
                    succ[m] = w
                    m += 1
            first[head] = m
        # dependencies, deepest level first; each node sums over its successors in the
        # order of its adjacency row, as np.add.at does over the level-sorted arcs
        for j in range(tail - 1, -1, -1):
            x = queue[j]
            sx = sigma[x]
            acc = 0.0
            for q in range(first[j], first[j + 1]):
                w = succ[q]
                acc += sx * (is_target[w] + delta[w]) / sigma[w]
            delta[x] = acc
        delta[source] = 0.0
        weight = weights[i]
        for j in range(tail):  # own units: no credit for pairs from or to their endpoint
            o = queue[j]
            h = home[o]
            if h >= 0:
                if h == source:
                    delta[o] -= delta[o]
                elif dist[h] == dist[o] + 1 and is_target[h] > 0:
                    delta[o] -= sigma[o] / sigma[h]
            total[o] += weight * delta[o]
        for j in range(tail):  # unreached nodes were never touched
            o = queue[j]
            dist[o] = -1
            sigma[o] = 0.0
            delta[o] = 0.0
    return total


def dependencies_sum(A, sources, weights, is_target, home) -> np.ndarray:
    """Weighted sum of Brandes' subset dependencies over ``sources`` (rows of CSR ``A``).

    Same contract and result as ``graphs.brokerage._dependencies_sum``.
    """
    return _dependencies_sum(
        np.ascontiguousarray(A.indptr, dtype=np.int64),
        np.ascontiguousarray(A.indices, dtype=np.int32),
        np.asarray(sources, dtype=np.int64),
        np.asarray(weights, dtype=np.float64),
        np.ascontiguousarray(is_target, dtype=np.float64),
        np.ascontiguousarray(home, dtype=np.int64),
    )


@_jit
def _biconnected(indptr, indices):  # pragma: no cover
    """networkx's ``_biconnected_dfs(G, components=True)`` on a CSR adjacency whose rows are
    in ``G[node]`` order: the same blocks in the same order. Returns ``(nodes, starts)``:
    block ``b`` is ``nodes[starts[b]:starts[b + 1]]`` (in the order found; sorted by the
    caller, no sorting compiled here: compiling a sort costs seconds)."""
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    discovery = np.full(n, -1, dtype=np.int64)
    low = np.zeros(n, dtype=np.int64)
    tree_edge = np.zeros(n, dtype=np.int64)  # edge_stack index of the tree edge into a node
    stack_gp = np.empty(n, dtype=np.int64)
    stack_p = np.empty(n, dtype=np.int64)
    stack_next = np.empty(n, dtype=np.int64)
    edge_u = np.empty(m, dtype=np.int64)
    edge_v = np.empty(m, dtype=np.int64)
    mark = np.full(n, -1, dtype=np.int64)
    out = np.empty(2 * m + n, dtype=np.int64)
    starts = np.zeros(m + 2, dtype=np.int64)
    n_out = 0
    blocks = 0
    for start in range(n):
        if discovery[start] >= 0:
            continue
        discovery[start] = 0
        low[start] = 0
        found = 1  # len(discovery) of networkx: nodes found from this start
        top = 0
        stack_gp[0] = start
        stack_p[0] = start
        stack_next[0] = indptr[start]
        depth = 1
        while depth > 0:
            grandparent = stack_gp[depth - 1]
            parent = stack_p[depth - 1]
            p = stack_next[depth - 1]
            if p < indptr[parent + 1]:
                stack_next[depth - 1] = p + 1
                child = indices[p]
                if child == grandparent:
                    continue
                if discovery[child] >= 0:
                    if discovery[child] <= discovery[parent]:  # back edge
                        if discovery[child] < low[parent]:
                            low[parent] = discovery[child]
                        edge_u[top] = parent
                        edge_v[top] = child
                        top += 1
                else:
                    discovery[child] = found
                    low[child] = found
                    found += 1
                    stack_gp[depth] = parent
                    stack_p[depth] = child
                    stack_next[depth] = indptr[child]
                    depth += 1
                    tree_edge[child] = top
                    edge_u[top] = parent
                    edge_v[top] = child
                    top += 1
            else:
                depth -= 1
                if depth > 1 and low[parent] < discovery[grandparent]:
                    if low[parent] < low[grandparent]:
                        low[grandparent] = low[parent]
                    continue
                if depth > 0:  # a block ends: the edges above the tree edge into parent
                    if depth > 1 and low[parent] < low[grandparent]:
                        low[grandparent] = low[parent]
                    ind = tree_edge[parent]
                    for e in range(ind, top):
                        x = edge_u[e]
                        if mark[x] != blocks:
                            mark[x] = blocks
                            out[n_out] = x
                            n_out += 1
                        x = edge_v[e]
                        if mark[x] != blocks:
                            mark[x] = blocks
                            out[n_out] = x
                            n_out += 1
                    blocks += 1
                    starts[blocks] = n_out
                    top = ind
    return out[:n_out], starts[:blocks + 1]


def biconnected_components(indptr, indices) -> tuple[np.ndarray, np.ndarray]:
    """Blocks of the undirected graph with CSR rows in adjacency order, as
    networkx's ``biconnected_components`` yields them (nodes sorted): ``(nodes, starts)``."""
    nodes, starts = _biconnected(np.ascontiguousarray(indptr, dtype=np.int64),
                                 np.ascontiguousarray(indices, dtype=np.int64))
    block = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    return nodes[np.lexsort((nodes, block))], starts


def warm() -> None:
    """Load (or compile and cache) the kernels now, on a tiny graph."""
    from scipy.sparse import csr_array

    A = csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=np.int8))
    dependencies_sum(A, [0], [1.0], np.ones(3), np.array([-1, 0, -1]))
    biconnected_components(A.indptr, A.indices)
