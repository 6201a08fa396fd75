"""The dashboard reads well in a real browser.

Axes from day 0, Reset, readable text, nothing over the content, sliders, design B's levers,
the baseline's words, picking a person by click.

Screenshots of the page at day 0 and after some steps go to /tmp/dash-shots/ (and to each
test's temporary folder).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_dashboard_browser import (
    LOAD_TIMEOUT,
    STEP_TIMEOUT,
    chart_source,
    choose,
    open_dashboard,
)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/dash-shots")
#: The smallest text a reader should have to read, in CSS pixels.
READABLE_PX = 11.0


def shoot(page, tmp_path: Path, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for folder in (SHOTS, tmp_path):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def chart_digest(page) -> str:
    """SHA-256 of the charts' PNG as the page holds it (the image's source is a blob URL)."""
    return page.evaluate(
        """async () => {
          const data = await (await fetch(document.querySelector('.rs-charts img').src))
            .arrayBuffer();
          const hash = await crypto.subtle.digest('SHA-256', data);
          return [...new Uint8Array(hash)].map(b => b.toString(16).padStart(2, '0')).join('');
        }"""
    )


def step(page, days: str, day: int) -> None:
    page.get_by_role("button", name=days, exact=True).click()
    page.get_by_role("button", name="Step").click()
    page.wait_for_selector(f"text=Day {day} of", timeout=STEP_TIMEOUT)


def test_charts_start_on_their_natural_axes_and_reset_clears_them(
    dashboard_server, offline_page, tmp_path
):
    page = offline_page
    open_dashboard(page, dashboard_server["url"])
    day0, day0_digest = chart_source(page), chart_digest(page)
    shoot(page, tmp_path, "dashboard-day0")
    step(page, "30", 30)
    step(page, "30", 60)
    page.wait_for_function("src => document.querySelector('.rs-charts img').src !== src", arg=day0)
    shoot(page, tmp_path, "dashboard-day60")
    after = chart_source(page)
    assert chart_digest(page) != day0_digest
    page.get_by_role("button", name="Reset").click()
    page.wait_for_selector("text=Day 0 of", timeout=STEP_TIMEOUT)
    page.wait_for_function(
        "src => document.querySelector('.rs-charts img').src !== src", arg=after, timeout=10_000
    )
    # The same picture, byte for byte, as before the run: no axis of the old run is left.
    assert chart_digest(page) == day0_digest


def test_chart_and_story_text_is_at_least_11_px_on_the_page(dashboard_server, offline_page):
    from simulation.dashboard.charts import SMALLEST_FONT_PX
    from simulation.dashboard.story import STORY_PT

    page = offline_page
    open_dashboard(page, dashboard_server["url"])
    choose(page, "Person (from the people drawn in the network)", "participant")
    page.wait_for_selector(".rs-story img", timeout=STEP_TIMEOUT)
    scale = page.evaluate(
        """sel => { const img = document.querySelector(sel);
                    return img.clientWidth / img.naturalWidth; }""",
        ".rs-charts img",
    )
    assert scale * SMALLEST_FONT_PX >= READABLE_PX, scale
    story_scale = page.evaluate(
        "() => { const i = document.querySelector('.rs-story img');"
        " return i.clientWidth / i.naturalWidth; }"
    )
    assert story_scale * STORY_PT * 80 / 72 >= READABLE_PX, story_scale


def test_nothing_covers_the_content(dashboard_server, offline_page):
    page = offline_page
    open_dashboard(page, dashboard_server["url"])
    assert page.get_by_text("This website runs on").count() == 0  # Solara's banner
    choose(page, "Person (from the people drawn in the network)", "participant")
    page.wait_for_selector(".rs-story img", timeout=STEP_TIMEOUT)
    # At points all over each picture, the topmost element is the picture itself.
    covered = page.evaluate(
        """() => {
          const found = [];
          for (const img of document.querySelectorAll('.rs-charts img, .rs-network img, .rs-story img')) {
            img.scrollIntoView();
            const r = img.getBoundingClientRect();
            for (const fx of [0.02, 0.5, 0.98]) for (const fy of [0.02, 0.5, 0.98]) {
              const x = r.left + fx * r.width, y = r.top + fy * r.height;
              if (y < 0 || y > window.innerHeight) continue;
              const top = document.elementFromPoint(x, y);
              if (top !== img) found.push([img.closest('.v-card').className, fx, fy,
                                           top && top.outerHTML.slice(0, 80)]);
            }
          }
          return found;
        }"""
    )
    assert covered == []
    boxes = {
        name: page.locator(f".{name}").bounding_box()
        for name in ("rs-network", "rs-story", "rs-charts")
    }
    drawer = page.locator(".v-navigation-drawer").first.bounding_box()
    for name, box in boxes.items():
        assert box["x"] >= drawer["x"] + drawer["width"], name  # clear of the sidebar
    network, story = boxes["rs-network"], boxes["rs-story"]
    assert network["x"] + network["width"] <= story["x"]


def test_bounded_numbers_are_sliders_and_apply_on_release(dashboard_server, offline_page):
    page = offline_page
    open_dashboard(page, dashboard_server["url"])
    cap = page.locator(".rs-key-mentoring-caseload_cap")
    assert cap.count() == 1 and "v-input__slider" in (cap.get_attribute("class") or "")
    assert page.get_by_text("mentoring: caseload cap = 5 mentees (1 to 100)").count() == 1
    cap.locator("[role=slider]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(
        "text=mentoring: caseload cap = 6 mentees (1 to 100)", timeout=STEP_TIMEOUT
    )
    # A bounded float is a slider too; the exact-value panel keeps number fields.
    assert page.locator(".rs-key-mentoring-contacts_per_week.v-input__slider").count() == 1
    assert page.get_by_label("population: size (1 to 2,000,000 people)").count() == 0
    page.get_by_text("Any other parameter (design A, exact values)").click()
    assert page.get_by_label("relapse: frailty variance (0 to 5 variance)").count() == 1


def test_design_b_has_its_own_levers_and_the_baseline_is_named(
    dashboard_server, offline_page, tmp_path
):
    page = offline_page
    open_dashboard(page, dashboard_server["url"])
    choose(page, "Side by side with (design B)", "treatment_as_usual")
    page.wait_for_selector("text=B: treatment_as_usual", timeout=STEP_TIMEOUT)
    page.get_by_text("Design B's levers (treatment_as_usual)").click()
    b_switch = page.locator(".rs-design-B", has_text="mentoring: enabled").locator("input")
    assert not b_switch.is_checked()  # usual care: no mentoring
    b_switch.click(force=True)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.rs-design-B')]
                 .some(d => d.innerText.includes('mentoring: enabled')
                            && d.querySelector('input').checked)""",
        timeout=STEP_TIMEOUT,
    )
    assert page.locator(".rs-error").count() == 0
    a_switch = page.locator(".rs-design-A", has_text="mentoring: enabled").locator("input")
    assert a_switch.is_checked()
    step(page, "30", 30)
    text = page.locator(".rs-charts").inner_text()
    assert "design B minus design A (baseline)" in text and "the design's effect" not in text
    assert "A (baseline): community_peer_mentoring" in page.locator(".rs-status").inner_text()
    shoot(page, tmp_path, "dashboard-side-by-side")


def test_clicking_a_node_shows_that_persons_story(dashboard_server, offline_page, tmp_path):
    from simulation.dashboard.network_pick import picture_fractions
    from simulation.dashboard.session import DashboardSession

    # The same default session the page builds: same scenario, seed, network and layout.
    session = DashboardSession()
    picture = session.designs[0].picture
    people = session.story_people()
    where = picture_fractions(picture)
    # A participant far from every other dot, so the click is unambiguous.
    gaps = np.array([np.sort(np.hypot(*(where - point).T))[1] for point in where])
    candidates = [i for i in np.argsort(-gaps) if int(picture.rows[i]) in people]
    index = int(candidates[0])
    row = int(picture.rows[index])

    page = offline_page
    open_dashboard(page, dashboard_server["url"])
    picture_box = page.locator(".rs-network img").bounding_box()
    page.mouse.click(
        picture_box["x"] + where[index, 0] * picture_box["width"],
        picture_box["y"] + where[index, 1] * picture_box["height"],
    )
    page.wait_for_selector(".rs-story img", timeout=LOAD_TIMEOUT)
    chosen = page.locator(".rs-story .v-select__selection").inner_text()
    assert chosen == people[row], (chosen, people[row])
    step(page, "7", 7)
    assert "Today:" in page.locator(".rs-story").inner_text()
    shoot(page, tmp_path, "dashboard-picked-person")
