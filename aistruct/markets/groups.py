"""Group labels as integer codes: one hash pass per column, then integer work only.

A ``--by`` column becomes ``(codes, labels)``: ``labels`` sorted and distinct,
``labels[codes[i]]`` the label of row i, code -1 a blank cell. Both engines
label groups with these functions, so their group labels and orders agree.
"""

from __future__ import annotations

from typing import Callable

from aistruct.markets.columns import cell_label


class BadCell(Exception):
    """Raised by :func:`label_codes` for a cell its ``label_of`` rejects; ``position`` is the cell's row."""

    def __init__(self, position: int):
        super().__init__(position)
        self.position = position


def label_codes(series, label_of: Callable):
    """(codes, labels): ``labels[codes[i]]`` is the label of cell i, code -1 a blank cell.

    ``label_of`` runs once per distinct cell and returns its label, None for a
    blank cell or ``False`` for a bad one; so a million rows with a few distinct
    values cost one hash pass. ``labels`` are sorted and distinct.
    Raises :class:`BadCell` for the first cell ``label_of`` rejects.
    """
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    ulabels = []
    bad = []
    for i, u in enumerate(uniques.tolist() if hasattr(uniques, "tolist") else list(uniques)):
        lab = label_of(u)
        if lab is False:
            bad.append(i)
            lab = None
        ulabels.append(lab)
    if bad:
        first = int(np.flatnonzero(np.isin(codes, bad))[0])
        raise BadCell(first)
    present = [lab for lab in ulabels if lab is not None]
    labels = sorted(set(present))
    index = {lab: k for k, lab in enumerate(labels)}
    remap = np.asarray([index[lab] if lab is not None else -1 for lab in ulabels] + [-1], dtype=np.int64)
    return remap[codes], labels  # code -1 indexes the trailing -1


def group_codes(frame, column: str):
    """(codes, labels) of a --by column: labels as text, integers without '.0', blanks code -1."""
    return label_codes(frame[column], cell_label)


def present_combos(codes_list, sizes, keep):
    """The distinct (code, code, ...) tuples of the kept rows, in lexicographic order.

    The codes of each --by column index its sorted labels, so this order is the
    sorted order of the label tuples. One mixed-radix integer key per row, then a
    bincount (O(n)) when the key space is small, else a 1-D unique (O(n log n));
    a 2-D ``np.unique(axis=0)`` sorts rows as structured records and costs ten
    times more on millions of rows.
    """
    import numpy as np

    if not keep.any():
        return []
    space = 1
    for k in sizes:
        space *= max(int(k), 1)
    if space >= 2**62:  # too many combinations for one integer key
        return np.unique(np.stack([c[keep] for c in codes_list], axis=1), axis=0).tolist()
    key = np.zeros(int(keep.sum()), dtype=np.int64)
    for codes, k in zip(codes_list, sizes):
        key *= max(int(k), 1)
        key += codes[keep]
    if space <= max(4 * key.size, 1 << 16):
        present = np.flatnonzero(np.bincount(key, minlength=space))
    else:
        present = np.unique(key)
    return np.stack(np.unravel_index(present, [max(int(k), 1) for k in sizes]), axis=1).tolist()


def present_groups(codes_list, labels_list, keep) -> list[tuple]:
    """The sorted label tuples of the groups with at least one kept row."""
    combos = present_combos(codes_list, [len(labels) for labels in labels_list], keep)
    return [tuple(labels[int(k)] for labels, k in zip(labels_list, combo)) for combo in combos]
