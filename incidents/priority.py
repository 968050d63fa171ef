"""Priority from impact × urgency (pure: the matrix is passed in)."""

# impact (1 high … 3 low) × urgency (1 high … 3 low) → priority; DESIGN §2.2 default.
DEFAULT_MATRIX: dict[tuple[int, int], str] = {
    (1, 1): "P1",
    (1, 2): "P2",
    (1, 3): "P3",
    (2, 1): "P2",
    (2, 2): "P3",
    (2, 3): "P4",
    (3, 1): "P3",
    (3, 2): "P4",
    (3, 3): "P4",
}


def priority_for(impact: int, urgency: int, matrix: dict[tuple[int, int], str] | None = None):
    """The priority of the cell; the default matrix fills any cell the given one lacks."""
    if impact not in (1, 2, 3) or urgency not in (1, 2, 3):
        raise ValueError("impact and urgency are 1 (high), 2 or 3 (low)")
    if matrix and (impact, urgency) in matrix:
        return matrix[(impact, urgency)]
    return DEFAULT_MATRIX[(impact, urgency)]
