"""Picking a person by clicking the network picture.

The picture is a bitmap drawn by Matplotlib (`network_view`), so the page cannot tell which dot
was clicked. The click's position, as fractions of the picture's width and height, comes back
from a small Vue template (`clickable_image.vue`) and is mapped to the nearest drawn person with
the cached layout: the drawing's axes fill the whole picture, so a fraction of the width is the
same fraction of the layout's x range (and likewise, from the top, of its y range).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import solara

#: A click picks the nearest person within this many pixels of the picture's bitmap (a dot is
#: 5-8 px across; a little more forgives an unsteady hand).
PICK_RADIUS_PX = 14.0
#: The picture's size in inches and its dots per inch (the click mapping needs the bitmap size).
FIGURE_SIZE, FIGURE_DPI = (5.2, 4.6), 80
#: Room around the outermost dots, in layout units (the layout spans about -1 to 1).
LAYOUT_MARGIN = 0.05


def layout_limits(positions: np.ndarray) -> tuple[float, float, float, float]:
    """The drawing's (x min, x max, y min, y max): the layout with a margin."""
    if not len(positions):
        return -1.0, 1.0, -1.0, 1.0
    return (
        float(positions[:, 0].min() - LAYOUT_MARGIN),
        float(positions[:, 0].max() + LAYOUT_MARGIN),
        float(positions[:, 1].min() - LAYOUT_MARGIN),
        float(positions[:, 1].max() + LAYOUT_MARGIN),
    )


def picture_fractions(picture) -> np.ndarray:
    """Where each drawn person is in the (untitled) picture.

    (x from the left, y from the top), as fractions of its width and height.
    """
    x0, x1, y0, y1 = layout_limits(picture.positions)
    pos = picture.positions.reshape(-1, 2)
    return np.column_stack([(pos[:, 0] - x0) / (x1 - x0), (y1 - pos[:, 1]) / (y1 - y0)])


def person_at(
    picture,
    x: float,
    y: float,
    pickable: np.ndarray | None = None,
    radius_px: float = PICK_RADIUS_PX,
) -> int | None:
    """The row of the person drawn nearest a click, or None if nobody is within `radius_px`.

    Args:
        picture: the drawing that was clicked (its cached layout).
        x: the click's distance from the picture's left edge, as a fraction of its width.
        y: the click's distance from its top edge, as a fraction of its height.
        pickable: rows that may be picked (e.g. those with a story); None: everyone drawn.
        radius_px: the farthest a pick may be, in pixels of the picture's bitmap.

    Returns:
        The person's row in the population, or None.
    """
    if not len(picture.rows) or not (np.isfinite(x) and np.isfinite(y)):
        return None
    size = np.array(FIGURE_SIZE) * FIGURE_DPI
    where = picture_fractions(picture) * size
    distance = np.hypot(*(where - np.array([x, y]) * size).T)
    if pickable is not None:
        distance[~np.isin(picture.rows, pickable)] = np.inf
    best = int(np.argmin(distance))
    return int(picture.rows[best]) if distance[best] <= radius_px else None


@solara.component_vue("clickable_image.vue")
def ClickableImage(src: str, event_click_at: Callable[[dict], None]):  # noqa: N802 - a component
    """An image that reports where it was clicked (fractions of its width and height)."""
